/* confluence_children: one directory's worth of a space, for the listing a user waits on
 * while the space's full listing is still running (docs/refresh.md, "Before the listing"):
 * the space's top-level pages and one page's (or container's) direct children. */
#include "confluence_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cfs_cf_top_pages(struct cfs_cf *cf, const char *space_id, enum cfs_http_prio prio,
                     cfs_cf_pages_cb cb, void *arg)
{
	char *id = cfs_cf_escape(space_id);
	char *path;

	if (!id)
		return -ENOMEM;
	if (cf->api == CFS_API_DC)
		path = cfs_cf_path_printf("%s/rest/api/space/%s/content/page?depth=root"
		                          "&expand=ancestors,version&start=0&limit=%d",
		                          cfs_cf_base_path(cf), id, DC_LIMIT);
	else
		path = cfs_cf_path_printf("%s/api/v2/spaces/%s/pages?depth=root&status=current"
		                          "&limit=250",
		                          cfs_cf_base_path(cf), id);
	free(id);
	return cfs_cf_call_start(cf, CALL_PAGES, prio, path, (void *)cb, arg, NULL);
}

int cfs_cf_direct_children(struct cfs_cf *cf, const char *type, const char *id,
                           enum cfs_http_prio prio, cfs_cf_pages_cb cb, void *arg)
{
	return cfs_cf_direct_children_more(cf, type, id, prio, NULL, NULL, cb, arg);
}

int cfs_cf_direct_children_more(struct cfs_cf *cf, const char *type, const char *id,
                                enum cfs_http_prio prio, cfs_cf_more_fn more, void *more_arg,
                                cfs_cf_pages_cb cb, void *arg)
{
	struct cfs_cf_call *c = NULL;
	int ret;
	static const char *const kinds[] = {"page", "folder", "whiteboard", "database", "embed"};
	char *e, *path;
	size_t k = 0;

	if (type)
		for (k = 0; k < sizeof(kinds) / sizeof(*kinds) && strcmp(kinds[k], type); k++)
			;
	if (k == sizeof(kinds) / sizeof(*kinds) || (k && cf->api == CFS_API_DC))
		return -EINVAL;
	if (!(e = cfs_cf_escape(id)))
		return -ENOMEM;
	if (cf->api == CFS_API_DC)
		path = cfs_cf_path_printf("%s/rest/api/content/%s/child/page"
		                          "?expand=ancestors,version&start=0&limit=%d",
		                          cfs_cf_base_path(cf), e, DC_LIMIT);
	else /* sort=id: a null childPosition breaks the default sort's cursor (CONFCLOUD-84015) */
		path = cfs_cf_path_printf("%s/api/v2/%ss/%s/direct-children?sort=id&limit=250",
		                          cfs_cf_base_path(cf), kinds[k], e);
	free(e);
	ret = cfs_cf_call_start(cf, CALL_PAGES, prio, path, (void *)cb, arg, &c);
	if (ret == 0) { /* set before the loop can answer: we are on it */
		c->more = more;
		c->more_arg = more_arg;
	}
	return ret;
}

/* confluence_feed: what changed in a space since the last refresh (docs/refresh.md): the v2
 * page and blog post listings sorted by modification, newest first, and CQL searches with
 * lastmodified for attachments, labels and (Data Center) the pages themselves. */
#include "confluence_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cfs_cf_space_recent(struct cfs_cf *cf, const char *space_id, int blog, enum cfs_http_prio prio,
                        cfs_cf_more_fn more, void *more_arg, cfs_cf_pages_cb cb, void *arg)
{
	struct cfs_cf_call *c = NULL;
	char *id, *path;
	int ret;

	if (cf->api == CFS_API_DC)
		return -EINVAL;
	if (!(id = cfs_cf_escape(space_id)))
		return -ENOMEM;
	/* 50 a request: an unchanged space answers with one short page. */
	path = cfs_cf_path_printf("%s/api/v2/spaces/%s/%s?sort=-modified-date&status=current"
	                          "&limit=50",
	                          cfs_cf_base_path(cf), id, blog ? "blogposts" : "pages");
	free(id);
	ret = cfs_cf_call_start(cf, CALL_PAGES, prio, path, (void *)cb, arg, &c);
	if (ret == 0) {
		/* set before the loop can answer: we are on it */
		c->blog = blog;
		c->more = more;
		c->more_arg = more_arg;
	}
	return ret;
}

/* A CQL search of what changed in one space in the last minutes, paginated to the end. */
static char *changed_path(struct cfs_cf *cf, const char *types, const char *space_key, long minutes,
                          const char *expand, int limit)
{
	char *cql, *q, *path;

	if (minutes < 1)
		minutes = 1;
	if (asprintf(&cql, "%s and space=\"%s\" and lastmodified >= now(\"-%ldm\")", types,
	             space_key, minutes) < 0)
		return NULL;
	q = cfs_cf_escape(cql);
	free(cql);
	if (!q)
		return NULL;
	path = cfs_cf_path_printf("%s/rest/api/content/search?cql=%s&expand=%s&limit=%d",
	                          cfs_cf_base_path(cf), q, expand, limit);
	free(q);
	return path;
}

int cfs_cf_changed_attachments(struct cfs_cf *cf, const char *space_key, long minutes,
                               enum cfs_http_prio prio, cfs_cf_attachments_cb cb, void *arg)
{
	char *path = changed_path(cf, "type=attachment", space_key, minutes, "version,container",
	                          cf->api == CFS_API_DC ? DC_LIMIT : 250);

	return cfs_cf_call_start(cf, CALL_ATTACHMENTS, prio, path, (void *)cb, arg, NULL);
}

int cfs_cf_changed_labels(struct cfs_cf *cf, const char *space_key, long minutes,
                          enum cfs_http_prio prio, cfs_cf_pages_cb cb, void *arg)
{
	char *path = changed_path(cf, "type in (page,blogpost)", space_key, minutes,
	                          "metadata.labels", cf->api == CFS_API_DC ? DC_LIMIT : 250);

	return cfs_cf_call_start(cf, CALL_PAGES, prio, path, (void *)cb, arg, NULL);
}

int cfs_cf_changed_content(struct cfs_cf *cf, const char *space_key, long minutes,
                           enum cfs_http_prio prio, cfs_cf_pages_cb cb, void *arg)
{
	char *path = changed_path(cf, "type in (page,blogpost)", space_key, minutes,
	                          "ancestors,version,history,metadata.labels",
	                          cf->api == CFS_API_DC ? DC_LIMIT : 250);

	return cfs_cf_call_start(cf, CALL_PAGES, prio, path, (void *)cb, arg, NULL);
}

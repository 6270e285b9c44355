/* confluence_search: the space-wide CQL searches (attachments, labels, containers), one page's
 * attachments, and the single GET of a folder, whiteboard, database or embed. */
#include "confluence_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cfs_cf_container(struct cfs_cf *cf, const char *type, const char *id, enum cfs_http_prio prio,
                     cfs_cf_page_cb cb, void *arg)
{
	static const char *const types[] = {"folder", "whiteboard", "database", "embed"};
	struct cfs_cf_call *c = NULL;
	const char *known = NULL;
	char *e, *path;
	int ret;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			known = types[i];
	if (!known || cf->api == CFS_API_DC)
		return -EINVAL;
	if (!(e = cfs_cf_escape(id)))
		return -ENOMEM;
	path = cfs_cf_path_printf("%s/api/v2/%ss/%s", cfs_cf_base_path(cf), known, e);
	free(e);
	ret = cfs_cf_call_start(cf, CALL_PAGE, prio, path, (void *)cb, arg, &c);
	if (ret == 0)
		c->ctype = known; /* set before the loop can answer: we are on it */
	return ret;
}

/* A CQL search of one space ("TYPES and space=\"KEY\""), paginated to the end. */
static char *space_search_path(struct cfs_cf *cf, const char *types, const char *space_key,
                               const char *expand, int limit)
{
	char *cql, *q, *path;

	if (asprintf(&cql, "%s and space=\"%s\"", types, space_key) < 0)
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

int cfs_cf_space_attachments(struct cfs_cf *cf, const char *space_key, enum cfs_http_prio prio,
                             cfs_cf_attachments_cb cb, void *arg)
{
	/* The same v1 search on both; DC clamps the limit to its own maximum. */
	char *path = space_search_path(cf, "type=attachment", space_key, "version,container",
	                               cf->api == CFS_API_DC ? DC_LIMIT : 250);

	return cfs_cf_call_start(cf, CALL_ATTACHMENTS, prio, path, (void *)cb, arg, NULL);
}

int cfs_cf_space_containers(struct cfs_cf *cf, const char *space_key, enum cfs_http_prio prio,
                            cfs_cf_pages_cb cb, void *arg)
{
	char *path;

	if (cf->api == CFS_API_DC)
		return -EINVAL;
	path = space_search_path(cf, "type in (folder,whiteboard,database,embed)", space_key,
	                         "version", 250);
	return cfs_cf_call_start(cf, CALL_PAGES, prio, path, (void *)cb, arg, NULL);
}

int cfs_cf_page_attachments(struct cfs_cf *cf, const char *page_id, int blog,
                            enum cfs_http_prio prio, cfs_cf_attachments_cb cb, void *arg)
{
	char *id = cfs_cf_escape(page_id);
	char *path;

	if (!id)
		return -ENOMEM;
	if (cf->api == CFS_API_DC)
		path = cfs_cf_path_printf(
		    "%s/rest/api/content/%s/child/attachment?expand=version,container"
		    "&start=0&limit=%d",
		    cfs_cf_base_path(cf), id, DC_LIMIT);
	else
		path = cfs_cf_path_printf("%s/api/v2/%s/%s/attachments?limit=250",
		                          cfs_cf_base_path(cf), blog ? "blogposts" : "pages", id);
	free(id);
	return cfs_cf_call_start(cf, CALL_ATTACHMENTS, prio, path, (void *)cb, arg, NULL);
}

int cfs_cf_space_labels(struct cfs_cf *cf, const char *space_key, enum cfs_http_prio prio,
                        cfs_cf_pages_cb cb, void *arg)
{
	char *path =
	    space_search_path(cf, "type in (page,blogpost)", space_key, "metadata.labels", 250);

	return cfs_cf_call_start(cf, CALL_PAGES, prio, path, (void *)cb, arg, NULL);
}

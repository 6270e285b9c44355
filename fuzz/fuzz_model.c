/* fuzz_model: libFuzzer target feeding one input to every model parser (src/model.c). */
#include "model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *json = (const char *)data;
	struct cfs_page_list pages = {0};
	struct cfs_attachment_list atts = {0};
	struct cfs_space_list spaces = {0};
	struct cfs_page page;
	struct cfs_space space;
	struct cfs_user user;
	struct cfs_time t;
	char *str;

	/* Twice into the same list: the second call exercises appending and the next swap. */
	cfs_model_pages(json, size, &pages);
	cfs_model_pages(json, size, &pages);
	cfs_model_page_list_clear(&pages);
	cfs_model_attachments(json, size, &atts);
	cfs_model_attachments(json, size, &atts);
	cfs_model_attachment_list_clear(&atts);
	cfs_model_spaces(json, size, &spaces);
	cfs_model_spaces(json, size, &spaces);
	cfs_model_space_list_clear(&spaces);
	if (cfs_model_page(json, size, &page) == 0)
		cfs_model_page_clear(&page);
	if (cfs_model_space(json, size, &space) == 0)
		cfs_model_space_clear(&space);
	if (cfs_model_user(json, size, &user) == 0)
		cfs_model_user_clear(&user);

	str = malloc(size + 1);
	if (str) {
		memcpy(str, data, size);
		str[size] = '\0';
		cfs_model_time(str, &t);
		free(str);
	}
	return 0;
}

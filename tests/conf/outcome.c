// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The outcome of a domain definition for the validation tests (see
 * outcome.h).  One heap string is kept between calls; the error state is
 * reset before each parse, so an outcome is that definition's alone.
 */
#include "tests/conf/outcome.h"

#include <stdlib.h>
#include <string.h>

#include "conf/domain_conf.h"
#include "util/error.h"

static char *kept;

const char *outcome_keep(const char *msg)
{
	free(kept);
	kept = msg ? strdup(msg) : NULL;
	return kept;
}

const char *outcome_of_xml(const char *xml, outcome_validate_fn validate,
			   const void *arg)
{
	struct vn_domain *dom;

	vn_error_reset();
	dom = vn_domain_parse_string(xml);
	if (dom)
		validate(dom, arg);
	outcome_keep(vn_error_message());
	vn_domain_free(dom);
	return kept;
}

const char *outcome_of_testdata(const char *name,
				outcome_validate_fn validate, const void *arg,
				bool *found)
{
	char *xml = testdata_read(name);

	outcome_keep(NULL);
	*found = xml != NULL;
	if (xml)
		outcome_of_xml(xml, validate, arg);
	free(xml);
	return kept;
}

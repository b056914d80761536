// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The outcome of a domain definition for the validation tests (see
 * outcome.h).  One heap string is kept between calls; the error state is
 * reset before each parse, so an outcome is that definition's alone.
 */
#include "tests/conf/outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/domain_conf.h"
#include "util/error.h"

static char *kept;

/* After the QEMUGuest1 domain of libvirt's test data. */
static const char domain_template[] =
	"<domain type='qemu'>\n"
	"  <name>QEMUGuest1</name>\n"
	"  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\n"
	"  <memory unit='KiB'>219136</memory>\n"
	"  <currentMemory unit='KiB'>219136</currentMemory>\n"
	"%s"
	"  <vcpu placement='static'>1</vcpu>\n"
	"  <os>\n"
	"    <type arch='x86_64' machine='pc'>hvm</type>\n"
	"    <boot dev='hd'/>\n"
	"  </os>\n"
	"  <clock offset='utc'/>\n"
	"  <on_poweroff>destroy</on_poweroff>\n"
	"  <on_reboot>restart</on_reboot>\n"
	"  <on_crash>destroy</on_crash>\n"
	"  <devices>\n"
	"    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
	"    <controller type='pci' index='0' model='pci-root'/>\n"
	"%s"
	"    <memballoon model='none'/>\n"
	"  </devices>\n"
	"</domain>\n";

char *outcome_domain_xml(const char *memory_xml, const char *devices_xml)
{
	char *xml = NULL;

	if (asprintf(&xml, domain_template, memory_xml, devices_xml) < 0)
		return NULL;
	return xml;
}

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

const char *outcome_of_domain(const char *memory_xml, const char *devices_xml,
			      outcome_validate_fn validate, const void *arg)
{
	char *xml = outcome_domain_xml(memory_xml, devices_xml);

	outcome_keep(NULL);
	if (xml)
		outcome_of_xml(xml, validate, arg);
	free(xml);
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

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The XML toolkit of the domain model: reading a document safely, reading
 * attributes with libvirt's error texts, and a text buffer for formatting.
 *
 * Reading (vn_xml_read): the input is untrusted.  It is capped in size by
 * the callers, parsed by libxml2 without network access, and any document
 * carrying a DTD is refused outright, so no entity (internal or external)
 * is ever expanded and nothing outside the text is read.  XInclude is never
 * processed.  libxml2's own diagnostics are silenced; the first error is
 * turned into one report "URL:LINE: message" as libvirt does.
 *
 * Attributes: libvirt's virXMLProp* family reports a bad value as
 *   Invalid value for attribute 'NAME' in element 'ELEM': 'VALUE'.
 * and a missing one as
 *   Missing required attribute 'NAME' in element 'ELEM'
 * (category "XML error"); the helpers here reproduce those texts so the
 * per-element parsers never format messages for ordinary attribute errors.
 *
 * Memory sizes follow libvirt's virScaleInteger: b/bytes, KB/MB/... are
 * powers of 1000, k/KiB/M/MiB/... powers of 1024 (the suffix letter is
 * case-insensitive), no suffix means KiB, results are rounded up to KiB,
 * and anything above LLONG_MAX bytes is an overflow.
 *
 * Formatting (vn_buf): libvirt's layout is two spaces per nesting level,
 * attribute values in single quotes with & < > ' " escaped.
 */
#include "conf/conf_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/parser.h>

#include "util/error.h"

/* ---- reading ---- */

bool vn_xml_is(const xmlNode *node, const char *name)
{
	return node->type == XML_ELEMENT_NODE &&
	       !strcmp((const char *)node->name, name);
}

char *vn_xml_prop(const xmlNode *node, const char *name)
{
	xmlChar *value = xmlGetNoNsProp(node, (const xmlChar *)name);
	char *copy;

	if (!value)
		return NULL;
	copy = strdup((const char *)value);
	xmlFree(value);
	return copy;
}

char *vn_xml_text(const xmlNode *node)
{
	xmlChar *value = xmlNodeGetContent(node);
	char *copy = strdup(value ? (const char *)value : "");

	xmlFree(value);
	return copy;
}

xmlNode *vn_xml_child(const xmlNode *node, const char *name)
{
	xmlNode *child;

	vn_xml_for_each_element(child, node)
		if (vn_xml_is(child, name))
			return child;
	return NULL;
}

void vn_xml_report_invalid(const xmlNode *node, const char *name,
			   const char *value)
{
	vn_error_report(VN_ERR_XML_ERROR,
			"Invalid value for attribute '%s' in element '%s': '%s'.",
			name, (const char *)node->name, value);
}

void vn_xml_report_missing(const xmlNode *node, const char *name)
{
	vn_error_report(VN_ERR_XML_ERROR,
			"Missing required attribute '%s' in element '%s'",
			name, (const char *)node->name);
}

void vn_report_unsupported_child(const xmlNode *child, const char *parent)
{
	vn_error_report(VN_ERR_CONFIG_UNSUPPORTED,
			"vunet does not support <%s> in <%s>",
			(const char *)child->name, parent);
}

/* Whole-string unsigned parse; no sign, no trailing garbage. */
static int parse_ulong(const char *s, int base, unsigned long long max,
		       unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int vn_xml_prop_uint(const xmlNode *node, const char *name, int base,
		     unsigned *out, bool *present)
{
	char *value = vn_xml_prop(node, name);
	unsigned long long v;
	int ret = -1;

	if (present)
		*present = value != NULL;
	if (!value)
		return 0;
	if (parse_ulong(value, base, UINT_MAX, &v) < 0) {
		vn_error_report(VN_ERR_XML_ERROR,
				"Invalid value for attribute '%s' in element '%s': '%s'. Expected non-negative integer value",
				name, (const char *)node->name, value);
		goto out;
	}
	*out = (unsigned)v;
	ret = 0;
out:
	free(value);
	return ret;
}

int vn_xml_prop_enum(const xmlNode *node, const char *name,
		     const char *const *names, size_t n, bool required,
		     int *out)
{
	char *value = vn_xml_prop(node, name);
	int ret = -1;
	size_t i;

	*out = -1;
	if (!value) {
		if (required)
			vn_xml_report_missing(node, name);
		return required ? -1 : 0;
	}
	for (i = 0; i < n; i++) {
		if (names[i] && !strcmp(value, names[i])) {
			*out = (int)i;
			ret = 0;
			goto out;
		}
	}
	vn_xml_report_invalid(node, name, value);
out:
	free(value);
	return ret;
}

int vn_xml_prop_yesno(const xmlNode *node, const char *name,
		      enum vn_tristate *out)
{
	static const char *const names[] = { NULL, "yes", "no" };
	int idx;

	if (vn_xml_prop_enum(node, name, names, 3, false, &idx) < 0)
		return -1;
	if (idx > 0)
		*out = (enum vn_tristate)idx;
	return 0;
}

/* The byte multiplier of a libvirt size suffix, or 0 if unknown. */
static unsigned long long unit_scale(const char *unit)
{
	static const char powers[] = "kmgtpe";
	unsigned long long base, scale = 1;
	const char *p;
	int power;

	if (!unit || !*unit)
		return 1024;
	if (!strcasecmp(unit, "b") || !strcasecmp(unit, "byte") ||
	    !strcasecmp(unit, "bytes"))
		return 1;
	if (!unit[1] || !strcasecmp(unit + 1, "iB"))
		base = 1024;
	else if (tolower((unsigned char)unit[1]) == 'b' && !unit[2])
		base = 1000;
	else
		return 0;
	p = strchr(powers, tolower((unsigned char)unit[0]));
	if (!p || !*p)
		return 0;
	for (power = (int)(p - powers) + 1; power > 0; power--)
		scale *= base;
	return scale;
}

int vn_xml_parse_kib(const char *value, const char *unit, const char *what,
		     unsigned long long *kib)
{
	/* libvirt caps memory sizes at LLONG_MAX bytes on 64-bit hosts. */
	const unsigned long long max_bytes = LLONG_MAX;
	unsigned long long bytes, scale;

	if (!value || parse_ulong(value, 10, ULLONG_MAX, &bytes) < 0) {
		vn_error_report(VN_ERR_XML_ERROR,
				"Invalid value '%s' for element or attribute '%s'",
				value ? value : "", what);
		return -1;
	}
	scale = unit_scale(unit);
	if (!scale) {
		vn_error_report(VN_ERR_INVALID_ARG, "unknown suffix '%s'",
				unit);
		return -1;
	}
	if (bytes > max_bytes / scale) {
		vn_error_report(VN_ERR_OVERFLOW, "value too large: %llu%s",
				bytes, unit ? unit : "");
		return -1;
	}
	bytes *= scale;
	*kib = bytes / 1024 + (bytes % 1024 != 0);
	if (*kib >= max_bytes / 1024 + 1) {
		vn_error_report(VN_ERR_OVERFLOW, "size value too large");
		return -1;
	}
	return 0;
}

static int pci_field(const xmlNode *node, const char *name, unsigned max,
		     unsigned *out)
{
	if (vn_xml_prop_uint(node, name, 0, out, NULL) < 0)
		return -1;
	if (*out > max) {
		vn_error_report(VN_ERR_XML_ERROR,
				"Invalid PCI address %s='0x%x', must be <= 0x%x",
				name, *out, max);
		return -1;
	}
	return 0;
}

int vn_xml_parse_pci_addr(const xmlNode *node, struct vn_pci_addr *addr)
{
	static const char *const onoff[] = { NULL, "on", "off" };
	int mf;

	memset(addr, 0, sizeof(*addr));
	if (pci_field(node, "domain", 0xffff, &addr->domain) < 0 ||
	    pci_field(node, "bus", 0xff, &addr->bus) < 0 ||
	    pci_field(node, "slot", 0x1f, &addr->slot) < 0 ||
	    pci_field(node, "function", 0x7, &addr->function) < 0 ||
	    vn_xml_prop_enum(node, "multifunction", onoff, 3, false, &mf) < 0)
		return -1;
	if (mf > 0)
		addr->multifunction = (enum vn_tristate)mf;
	addr->present = true;
	return 0;
}

/* Characters of a user alias: it ends up in QEMU ids and file names. */
#define USER_ALIAS_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

int vn_xml_parse_alias(const xmlNode *node, unsigned flags, char **out)
{
	char *name = vn_xml_prop(node, "name");
	bool keep_any = flags & VN_PARSE_STATUS;

	/* An inactive definition keeps only user aliases; the others are
	 * assigned afresh at start, as libvirt does.  A running domain's
	 * record keeps them all: they are what the hypervisor calls its
	 * devices. */
	if (!name || (!keep_any && strncmp(name, "ua-", 3))) {
		free(name);
		return 0;
	}
	if (!*name || strspn(name, USER_ALIAS_CHARS) != strlen(name)) {
		vn_error_report(VN_ERR_XML_ERROR,
				"%s alias '%s' must contain only alphanumeric characters, '-' and '_'",
				keep_any ? "device" : "user", name);
		free(name);
		return -1;
	}
	free(*out);
	*out = name;
	return 0;
}

/* libvirt's bound on CPU numbers in a CPU list (VIR_DOMAIN_CPUMASK_LEN). */
#define VN_CPU_LIST_MAX 1024

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	return p;
}

/* One CPU number at *P, advancing *P; -1 if none or out of range. */
static int cpu_number(const char **p)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)**p))
		return -1;
	v = strtoul(*p, &end, 10);
	*p = end;
	return v < VN_CPU_LIST_MAX ? (int)v : -1;
}

/* Reads "A", "A-B" or "^A" items separated by commas into SET. */
static int parse_cpu_list(const char *text, bool *set)
{
	const char *p = skip_spaces(text);
	int first, last, cpu;
	bool negate;

	for (;;) {
		p = skip_spaces(p);
		negate = *p == '^';
		if (negate)
			p++;
		first = last = cpu_number(&p);
		if (first < 0)
			return -1;
		if (*p == '-' && !negate) {
			p++;
			last = cpu_number(&p);
			if (last < first)
				return -1;
		}
		for (cpu = first; cpu <= last; cpu++)
			set[cpu] = !negate;
		p = skip_spaces(p);
		if (*p != ',')
			break;
		p++;
	}
	return *p ? -1 : 0;
}

int vn_xml_canonical_cpus(const char *text, char **out)
{
	bool set[VN_CPU_LIST_MAX] = { false };
	char canon[VN_CPU_LIST_MAX * 6] = "", *q = canon;
	int cpu, end;

	if (parse_cpu_list(text, set) < 0)
		goto bad;
	for (cpu = 0; cpu < VN_CPU_LIST_MAX; cpu = end + 1) {
		if (!set[cpu]) {
			end = cpu;
			continue;
		}
		for (end = cpu; end + 1 < VN_CPU_LIST_MAX && set[end + 1]; end++)
			;
		q += sprintf(q, q == canon ? "%d" : ",%d", cpu);
		if (end > cpu)
			q += sprintf(q, "-%d", end);
	}
	if (q == canon)
		goto bad;
	*out = strdup(canon);
	if (!*out) {
		vn_error_report(VN_ERR_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	return 0;
bad:
	vn_error_report(VN_ERR_INVALID_ARG, "Failed to parse bitmap '%s'",
			text);
	return -1;
}

/* Size cap of one document: far beyond any real definition, small
 * enough that a hostile input cannot exhaust memory. */
#define VN_XML_MAX_BYTES (10u * 1024 * 1024)

static void silence_libxml(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* "URL:LINE: message" from libxml2's last error, without the newline
 * libxml2 ends its messages with: one report is one line. */
static void report_parse_error(xmlParserCtxt *ctxt, const char *url)
{
	const xmlError *err = xmlCtxtGetLastError(ctxt);
	const char *msg = err && err->message ? err->message :
			  "failed to parse xml document";
	int len = (int)strcspn(msg, "\n");

	vn_error_report(VN_ERR_XML_DETAIL, "%s:%d: %.*s", url,
			err ? err->line : 0, len, msg);
}

xmlDoc *vn_xml_read(const char *text, size_t len, const char *url,
		    const char *root)
{
	xmlParserCtxt *ctxt = NULL;
	xmlDoc *doc = NULL;
	const xmlNode *top;

	if (len > VN_XML_MAX_BYTES) {
		vn_error_report(VN_ERR_XML_ERROR,
				"%s: document exceeds the %u byte limit", url,
				VN_XML_MAX_BYTES);
		goto out;
	}
	xmlSetGenericErrorFunc(NULL, silence_libxml);
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		vn_error_report(VN_ERR_INTERNAL_ERROR,
				"failed to allocate parser context");
		goto out;
	}
	doc = xmlCtxtReadMemory(ctxt, text, (int)len, url, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
				XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!doc || !ctxt->wellFormed) {
		report_parse_error(ctxt, url);
		goto fail;
	}
	if (doc->intSubset || doc->extSubset) {
		vn_error_report(VN_ERR_XML_ERROR,
				"%s: document type declarations and entities are not supported",
				url);
		goto fail;
	}
	top = xmlDocGetRootElement(doc);
	if (!top) {
		vn_error_report(VN_ERR_XML_ERROR, "missing root element");
		goto fail;
	}
	if (strcmp((const char *)top->name, root)) {
		vn_error_report(VN_ERR_XML_ERROR,
				"expecting root element of '%s', not '%s'",
				root, (const char *)top->name);
		goto fail;
	}
	goto out;
fail:
	xmlFreeDoc(doc);
	doc = NULL;
out:
	if (ctxt)
		xmlFreeParserCtxt(ctxt);
	return doc;
}

/* ---- formatting ---- */

static void buf_reserve(struct vn_buf *buf, size_t more)
{
	size_t want = buf->len + more + 1;
	char *grown;

	if (buf->oom || want <= buf->cap)
		return;
	if (want < 2 * buf->cap)
		want = 2 * buf->cap;
	if (want < 256)
		want = 256;
	grown = realloc(buf->data, want);
	if (!grown) {
		buf->oom = true;
		return;
	}
	buf->data = grown;
	buf->cap = want;
}

static void buf_append(struct vn_buf *buf, const char *s, size_t n)
{
	int i;

	if (buf->len == 0 || buf->data[buf->len - 1] == '\n') {
		buf_reserve(buf, (size_t)buf->indent);
		if (buf->oom)
			return;
		for (i = 0; i < buf->indent; i++)
			buf->data[buf->len++] = ' ';
	}
	buf_reserve(buf, n);
	if (buf->oom)
		return;
	memcpy(buf->data + buf->len, s, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
}

void vn_buf_addf(struct vn_buf *buf, const char *fmt, ...)
{
	char stack[512], *text = stack;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(stack, sizeof(stack), fmt, ap);
	va_end(ap);
	if (n < 0) {
		buf->oom = true;
		return;
	}
	if ((size_t)n >= sizeof(stack)) {
		text = malloc((size_t)n + 1);
		if (!text) {
			buf->oom = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(text, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	buf_append(buf, text, (size_t)n);
	if (text != stack)
		free(text);
}

static char *xml_escape(const char *s)
{
	size_t len = 0;
	const char *p;
	char *out, *q;

	for (p = s; *p; p++)
		len += strchr("<>&'\"", *p) ? 6 : 1;
	out = malloc(len + 1);
	if (!out)
		return NULL;
	for (p = s, q = out; *p; p++) {
		switch (*p) {
		case '<': q = stpcpy(q, "&lt;"); break;
		case '>': q = stpcpy(q, "&gt;"); break;
		case '&': q = stpcpy(q, "&amp;"); break;
		case '\'': q = stpcpy(q, "&apos;"); break;
		case '"': q = stpcpy(q, "&quot;"); break;
		default: *q++ = *p;
		}
	}
	*q = '\0';
	return out;
}

void vn_buf_escape(struct vn_buf *buf, const char *fmt, const char *s)
{
	char *escaped;

	if (!s)
		return;
	escaped = xml_escape(s);
	if (!escaped) {
		buf->oom = true;
		return;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vn_buf_addf(buf, fmt, escaped);
#pragma GCC diagnostic pop
	free(escaped);
}

void vn_buf_indent(struct vn_buf *buf, int delta)
{
	buf->indent += delta;
	if (buf->indent < 0)
		buf->indent = 0;
}

char *vn_buf_finish(struct vn_buf *buf)
{
	char *out = NULL;

	if (!buf->oom) {
		out = buf->data ? buf->data : strdup("");
		buf->data = NULL;
	}
	free(buf->data);
	memset(buf, 0, sizeof(*buf));
	return out;
}

void vn_format_pci_addr(struct vn_buf *buf, const struct vn_pci_addr *addr)
{
	if (!addr->present)
		return;
	vn_buf_addf(buf,
		    "<address type='pci' domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'",
		    addr->domain, addr->bus, addr->slot, addr->function);
	if (addr->multifunction != VN_TRISTATE_ABSENT)
		vn_buf_addf(buf, " multifunction='%s'",
			    addr->multifunction == VN_TRISTATE_YES ? "on" : "off");
	vn_buf_addf(buf, "/>\n");
}

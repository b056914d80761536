/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the files of src/conf, and nothing else.
 *
 * Two small toolkits live here:
 *
 *   vn_xml_*   reading attributes and text of a libxml2 element tree with
 *              libvirt's error texts ("Invalid value for attribute 'x' in
 *              element 'y': 'z'.", scaled memory sizes, PCI addresses).
 *              Each function reports its own error (util/error.h) and
 *              returns -1, so callers just propagate.
 *   vn_buf_*   an append-only text buffer for formatting XML the way
 *              libvirt's virBuffer does: an indent level applied at the
 *              start of every line, attribute values escaped.  An
 *              allocation failure is remembered and surfaces once, at
 *              vn_buf_finish(), so formatting code needs no error checks.
 *
 * The per-family parse/format entry points (interface, port forward,
 * post-parse) are declared here too, since they are internal to the
 * domain model: the public API is domain_conf.h.
 */
#ifndef VUNET_CONF_CONF_INTERNAL_H
#define VUNET_CONF_CONF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <libxml/tree.h>

#include "conf/domain_conf.h"

/* ---- XML reading ---- */

/* Calls FN-body for every element child of NODE. */
#define vn_xml_for_each_element(child, node)                              \
	for ((child) = (node)->children; (child); (child) = (child)->next) \
		if ((child)->type == XML_ELEMENT_NODE)

bool vn_xml_is(const xmlNode *node, const char *name);
/* Heap copy of attribute NAME, or NULL when absent (or out of memory). */
char *vn_xml_prop(const xmlNode *node, const char *name);
/* Heap copy of the element's text content ("" when empty). */
char *vn_xml_text(const xmlNode *node);
/* First element child named NAME, or NULL. */
xmlNode *vn_xml_child(const xmlNode *node, const char *name);

/* Unsigned attribute (base 10, or 0 for C prefixes).  *PRESENT (may be
 * NULL) says whether it was there; absent leaves *OUT alone.  0 / -1. */
int vn_xml_prop_uint(const xmlNode *node, const char *name, int base,
		     unsigned *out, bool *present);
/* 'yes' / 'no' attribute. */
int vn_xml_prop_yesno(const xmlNode *node, const char *name,
		      enum vn_tristate *out);
/* Attribute that must be one of NAMES[0..N); index in *OUT, -1 if absent
 * and not REQUIRED. */
int vn_xml_prop_enum(const xmlNode *node, const char *name,
		     const char *const *names, size_t n, bool required,
		     int *out);
void vn_xml_report_invalid(const xmlNode *node, const char *name,
			   const char *value);
void vn_xml_report_missing(const xmlNode *node, const char *name);

/* VALUE scaled by UNIT (libvirt's suffixes; NULL/"" means KiB), rounded
 * up to KiB.  WHAT names the element for messages ("./memory[1]"). */
int vn_xml_parse_kib(const char *value, const char *unit, const char *what,
		     unsigned long long *kib);

/* libvirt's CPU list syntax ("0-3,^2,8") in its canonical form
 * ("0-1,3,8"), heap-allocated in *OUT; 0 / -1 (reported). */
int vn_xml_canonical_cpus(const char *text, char **out);

/* <address type='pci' .../> */
int vn_xml_parse_pci_addr(const xmlNode *node, struct vn_pci_addr *addr);
/* <alias name=>: libvirt keeps only user aliases ("ua-") of a definition,
 * every alias of a running domain's record (FLAGS has VN_PARSE_STATUS).
 * A kept alias replaces *OUT, another leaves it.  0 / -1 (bad chars). */
int vn_xml_parse_alias(const xmlNode *node, unsigned flags, char **out);
void vn_report_unsupported_child(const xmlNode *child, const char *parent);

/* libvirt's names for <memoryBacking>'s <source type=> and <access mode=>
 * (and a NUMA cell's memAccess=), indexed by the enum value; DEFAULT has
 * none.  The parser and the formatter share them. */
#define VN_MEMORY_SOURCE_COUNT (VN_MEMORY_SOURCE_MEMFD + 1)
#define VN_MEMORY_ACCESS_COUNT (VN_MEMORY_ACCESS_PRIVATE + 1)
extern const char *const vn_memory_source_names[VN_MEMORY_SOURCE_COUNT];
extern const char *const vn_memory_access_names[VN_MEMORY_ACCESS_COUNT];

/* ---- formatting ---- */

struct vn_buf {
	char *data;
	size_t len, cap;
	bool oom;
	int indent;
};

void vn_buf_addf(struct vn_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append FMT (one %s) with S escaped for XML; nothing when S is NULL. */
void vn_buf_escape(struct vn_buf *buf, const char *fmt, const char *s);
void vn_buf_indent(struct vn_buf *buf, int delta);
/* The text (caller frees), or NULL when any append ran out of memory. */
char *vn_buf_finish(struct vn_buf *buf);

void vn_format_pci_addr(struct vn_buf *buf, const struct vn_pci_addr *addr);

/* ---- families ---- */

/* <interface> element -> model; FLAGS: enum vn_parse_flags.  NULL on
 * error (reported). */
struct vn_net *vn_net_parse_node(const xmlNode *node, unsigned flags);
void vn_net_format_buf(struct vn_buf *buf, const struct vn_net *net);

/* <portForward> element -> *PF (zeroed first); 0 / -1. */
int vn_port_forward_parse_node(const xmlNode *node,
			       struct vn_port_forward *pf);
void vn_port_forward_format_buf(struct vn_buf *buf,
				const struct vn_port_forward *pf);

/* Defaults libvirt fills in after parsing; 0 / -1 (reported). */
int vn_domain_post_parse(struct vn_domain *dom);
/* Defaults for one interface hot-plugged into DOM (alias, MAC, slot). */
int vn_net_post_parse_for(struct vn_net *net, const struct vn_domain *dom);

/* Parser front end shared by domain and interface parsing: the document
 * (caller frees with xmlFreeDoc) whose root is ROOT, or NULL (reported). */
xmlDoc *vn_xml_read(const char *text, size_t len, const char *url,
		    const char *root);

#endif /* VUNET_CONF_CONF_INTERNAL_H */

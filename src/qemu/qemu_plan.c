// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Launch plans: see qemu_plan.h for what a plan is and its text form.
 *
 * Model: struct qemu_plan owns every argv in it (the QEMU one and one per
 * passt-backed interface); each backend entry borrows its struct vn_net
 * from the domain, so the domain must outlive the plan.  Backends are
 * listed in the domain's interface order, which is also the order the
 * launcher starts them in.
 *
 * Building is all-or-nothing: QEMU's argv first (it refuses what vunet
 * cannot run, so no backend argv is built for a domain that cannot
 * start), then the backends; any failure frees what was built and
 * returns NULL with the error reported by the builder that failed.
 * Formatting allocates one string for the whole plan.
 */
#include "qemu/qemu_plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "qemu/qemu_passt.h"
#include "util/error.h"

static size_t count_passt(const struct vn_domain *dom)
{
	size_t i, n = 0;

	for (i = 0; i < dom->n_nets; i++)
		if (vn_net_is_passt(dom->nets[i]))
			n++;
	return n;
}

struct qemu_plan *qemu_plan_build(const struct vn_domain *dom,
				  const struct qemu_build_opts *opts,
				  const char *backend)
{
	struct qemu_plan *plan = calloc(1, sizeof(*plan));
	size_t i;

	if (!plan)
		goto nomem;
	plan->backends = calloc(count_passt(dom) + 1, sizeof(*plan->backends));
	if (!plan->backends)
		goto nomem;
	plan->qemu = qemu_command_build(dom, opts);
	if (!plan->qemu)
		goto fail;
	for (i = 0; i < dom->n_nets; i++) {
		struct qemu_plan_backend *b = &plan->backends[plan->n_backends];

		if (!vn_net_is_passt(dom->nets[i]))
			continue;
		b->net = dom->nets[i];
		b->argv = qemu_passt_build_argv(dom, b->net, opts->state_dir,
						backend);
		if (!b->argv)
			goto fail;
		plan->n_backends++;
	}
	return plan;
nomem:
	vn_error_report_errno(ENOMEM, "cannot build the launch plan");
fail:
	qemu_plan_free(plan);
	return NULL;
}

char *qemu_plan_format(const struct qemu_plan *plan)
{
	char *text = NULL, *block;
	size_t len = 0, i;
	FILE *out = open_memstream(&text, &len);
	bool ok = out != NULL;

	for (i = 0; ok && i < plan->n_backends; i++) {
		block = qemu_argv_format(plan->backends[i].argv);
		ok = block != NULL;
		if (ok)
			fprintf(out, "# backend %s\n%s\n",
				plan->backends[i].net->alias, block);
		free(block);
	}
	block = ok ? qemu_argv_format(plan->qemu) : NULL;
	ok = block != NULL;
	if (ok)
		fprintf(out, "# qemu\n%s", block);
	free(block);
	if (out && fclose(out) != 0)
		ok = false;
	if (!ok) {
		free(text);
		vn_error_report_errno(ENOMEM, "cannot format the launch plan");
		return NULL;
	}
	return text;
}

void qemu_plan_free(struct qemu_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->n_backends; i++)
		qemu_argv_free(plan->backends[i].argv);
	free(plan->backends);
	qemu_argv_free(plan->qemu);
	free(plan);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* vunetd: the backend (bootstrap entry point, replaced by the conf work). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "vunetd: nothing built yet\n");
	return 1;
}

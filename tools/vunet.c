// SPDX-License-Identifier: GPL-2.0-or-later
/* vunet: the launcher (bootstrap entry point, replaced by the conf work). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "vunet: nothing built yet\n");
	return 1;
}

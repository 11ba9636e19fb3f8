// SPDX-License-Identifier: GPL-2.0
/*
 * storage-hotfix-fake selftest ...: the swap's parts run on plain
 * directory trees (configfs played by fake-kernel.c), for the unit tests
 * (tests/scripts/012). Linked into the test build only.
 *   nvmet-dump ROOT           the tree at ROOT as nvmetcli JSON
 *   nvmet-roundtrip ROOT      dump, tear down, restore, compare
 *   nvmet-restore ROOT FILE   restore FILE into an empty ROOT
 *   loop-opts CTRLDIR         connect options of a controller dir
 *   loop-record CLASSDIR      the loop controllers in CLASSDIR
 *   fabrics-reply STRING      parse /dev/nvme-fabrics' answer
 *   diff A.json B.json        first difference of two JSON files
 *   buildid FILE              build-id of an ELF file (.xz/.zst/.gz too)
 *   redact STRING             STRING as every swap message prints it
 *   insmod PATH [PARAMS]      load a module (the fake kernel's)
 *   running-buildid NAME      build-id of the loaded NAME
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "swap.h"

static void print_json(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int count_left(const char *root)
{
	json_object *o;
	struct cfs t = { .root = root };
	int n = 0;
	json_object *a;

	o = nvmet_dump(&t);
	if (!o)
		return -1;
	if (json_object_object_get_ex(o, "hosts", &a))
		n += json_object_array_length(a);
	if (json_object_object_get_ex(o, "ports", &a))
		n += json_object_array_length(a);
	if (json_object_object_get_ex(o, "subsystems", &a))
		n += json_object_array_length(a);
	json_object_put(o);
	return n;
}

int cmd_selftest(int argc, char **argv)
{
	const char *t;
	struct cfs tree = { 0 };
	json_object *a, *b;
	char out[1024] = "";
	int rc = 0;

	argc--;
	argv++;
	if (argc < 1)
		return 2;
	t = argv[0];
	if (!strcmp(t, "nvmet-dump") && argc == 2) {
		tree.root = argv[1];
		a = nvmet_dump(&tree);
		if (!a)
			return 1;
		print_json(a);
		json_object_put(a);
		return 0;
	}
	if (!strcmp(t, "nvmet-roundtrip") && argc == 2) {
		tree.root = argv[1];
		a = nvmet_dump(&tree);
		if (!a)
			return 1;
		if (nvmet_clear(&tree)) {
			printf("tear down failed\n");
			rc = 1;
		}
		printf("after tear down: %d hosts+ports+subsystems left\n", count_left(argv[1]));
		if (nvmet_restore(&tree, a)) {
			printf("restore failed\n");
			rc = 1;
		}
		b = nvmet_dump(&tree);
		if (json_diff(a, b, "nvmet", out, sizeof(out))) {
			printf("differs: %s\n", out);
			rc = 1;
		} else {
			printf("restored tree equals the saved one\n");
		}
		json_object_put(a);
		json_object_put(b);
		return rc;
	}
	if (!strcmp(t, "nvmet-restore") && argc == 3) {
		tree.root = argv[1];
		a = json_object_from_file(argv[2]);
		if (!a) {
			fprintf(stderr, "%s: not JSON\n", argv[2]);
			return 1;
		}
		rc = nvmet_restore(&tree, a) ? 1 : 0;
		json_object_put(a);
		return rc;
	}
	if (!strcmp(t, "loop-opts") && argc == 2) {
		rc = loop_ctrl_opts(argv[1], out, sizeof(out));
		if (rc) {
			printf("error: %s\n", strerror(-rc));
			return 1;
		}
		printf("%s\n", out);
		return 0;
	}
	if (!strcmp(t, "loop-record") && argc == 2) {
		struct loop_ctrl c[8];
		int i, n = loop_ctrls_record(argv[1], c, 8);

		if (n < 0) {
			printf("error: %s\n", strerror(-n));
			return 1;
		}
		for (i = 0; i < n; i++)
			printf("%s %s\n", c[i].name, c[i].opts);
		return 0;
	}
	if (!strcmp(t, "fabrics-reply") && argc == 2) {
		int inst, cntlid;

		if (fabrics_parse_reply(argv[1], &inst, &cntlid)) {
			printf("invalid\n");
			return 1;
		}
		printf("instance=%d cntlid=%d\n", inst, cntlid);
		return 0;
	}
	if (!strcmp(t, "diff") && argc == 3) {
		a = json_object_from_file(argv[1]);
		b = json_object_from_file(argv[2]);
		if (!a || !b) {
			json_object_put(a);
			json_object_put(b);
			return 2;
		}
		rc = json_diff(a, b, "", out, sizeof(out));
		printf("%s\n", rc ? out : "equal");
		json_object_put(a);
		json_object_put(b);
		return rc;
	}
	if (!strcmp(t, "buildid") && argc == 2) {
		rc = file_buildid(argv[1], out, sizeof(out));
		if (rc) {
			printf("error: %s\n", strerror(-rc));
			return 1;
		}
		printf("%s\n", out);
		return 0;
	}
	if (!strcmp(t, "insmod") && (argc == 2 || argc == 3)) {
		rc = kern_insert(argv[1], argc == 3 ? argv[2] : NULL);
		if (rc)
			fprintf(stderr, "insmod %s: %s\n", argv[1], strerror(-rc));
		return rc ? 1 : 0;
	}
	if (!strcmp(t, "running-buildid") && argc == 2) {
		rc = mod_running_buildid(argv[1], out, sizeof(out));
		printf("%s\n", rc ? "-" : out);
		return rc ? 1 : 0;
	}
	if (!strcmp(t, "redact") && argc == 2) {
		char red[1024];

		swap_redact(argv[1], red, sizeof(red));
		printf("%s\n", red);
		return 0;
	}
	fprintf(stderr, "storage-hotfix: error: unknown self-test %s\n", t);
	return 2;
}

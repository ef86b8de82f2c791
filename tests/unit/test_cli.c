// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "engine.h"
#include "loader.h"
#include "prom.h"
#include "ready.h"

static char err[256];
static struct ct_cli cli;

static FILE *devnull(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	return f;
}

/*
 * The parser keeps pointers into argv (cli.cmd), which tests read after
 * PARSE() returns: argv lives here, not in the caller's scope.
 */
static char *argv_keep[64];

static int parse_words(char *const *words)
{
	int n = 0;

	for (; words[n]; n++) {
		cr_assert_lt(n, 63, "too many words for PARSE()");
		argv_keep[n] = words[n];
	}
	argv_keep[n] = NULL;
	return ct_cli_parse(n, argv_keep, &cli, devnull(), err, sizeof(err));
}

/* Parses a list of words as argv[1..]. */
#define PARSE(...) parse_words((char *[]){ "coldtrace", __VA_ARGS__, NULL })

static bool wants_words(char *const *words)
{
	int n = 0;

	while (words[n])
		n++;
	return ct_cli_wants_json(n, (char **)words);
}

/* ct_cli_wants_json() on a list of words as argv[1..]. */
#define WANTS(...) wants_words((char *[]){ "coldtrace", __VA_ARGS__, NULL })

/* What --help prints, into buf (len bytes, NUL-terminated). */
static void help_into(char *buf, size_t len)
{
	char *av[] = { "coldtrace", "--help", NULL };
	FILE *f;

	memset(buf, 0, len);
	f = fmemopen(buf, len - 1, "w");
	cr_assert_not_null(f);
	cr_assert_eq(ct_cli_parse(2, av, &cli, f, err, sizeof(err)),
		     CT_CLI_EXIT_OK);
	fclose(f);
}

Test(cli, defaults)
{
	char *av[] = { "coldtrace", NULL };

	cr_assert_eq(ct_cli_parse(1, av, &cli, devnull(), err, sizeof(err)),
		     CT_CLI_OK);
	cr_assert_eq(cli.runtime_mask, 0);
	cr_assert_null(cli.cmd);
	cr_assert_float_eq(cli.wait_s, 10.0, 1e-9);
	cr_assert_not(cli.json);
}

Test(cli, all_options)
{
	cr_assert_eq(PARSE("-r", "runc,runsc", "-c", "abc", "-d", "2.5",
			   "-o", "out", "-j", "-i", "1", "--record", "f.rec",
			   "-v", "--no-opens", "--no-pulls"), CT_CLI_OK, "%s",
		     err);
	cr_assert_eq(cli.runtime_mask,
		     (1u << CT_RT_RUNC) | (1u << CT_RT_RUNSC));
	cr_assert_str_eq(cli.container, "abc");
	cr_assert_float_eq(cli.duration_s, 2.5, 1e-9);
	cr_assert_str_eq(cli.output_dir, "out");
	cr_assert(cli.json && cli.verbose && cli.no_opens && cli.no_pulls);
	cr_assert_float_eq(cli.interval_s, 1.0, 1e-9);
	cr_assert_str_eq(cli.record_path, "f.rec");
}

Test(cli, long_equals_form)
{
	cr_assert_eq(PARSE("--runtime=all", "--duration=3", "--record=x"),
		     CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.runtime_mask, 0);
	cr_assert_float_eq(cli.duration_s, 3.0, 1e-9);
	cr_assert_str_eq(cli.record_path, "x");
}

Test(cli, command_after_dashes)
{
	cr_assert_eq(PARSE("-j", "--", "docker", "run", "-d", "img"),
		     CT_CLI_OK, "%s", err);
	cr_assert_not_null(cli.cmd);
	cr_assert_str_eq(cli.cmd[0], "docker");
	/* "-d" belongs to COMMAND, not to us */
	cr_assert_str_eq(cli.cmd[2], "-d");
	cr_assert_null(cli.cmd[4]);
	cr_assert_float_eq(cli.duration_s, 0.0, 1e-9);
}

/* COMMAND needs "--" (usage, README, coldtrace(8)): a stray word is a slip. */
Test(cli, command_without_dashes)
{
	cr_assert_eq(PARSE("docker", "ps"), CT_CLI_ERROR);
	cr_expect(strstr(err, "unexpected argument 'docker'"), "%s", err);
	cr_expect(strstr(err, "after --"), "%s", err);
	cr_assert_eq(PARSE("-j", "-", "x"), CT_CLI_ERROR);
	cr_expect(strstr(err, "'-'"), "%s", err);
	cr_assert_eq(PARSE("-j", "--", "docker", "ps"), CT_CLI_OK, "%s", err);
	cr_assert_str_eq(cli.cmd[0], "docker");
	cr_assert_eq(PARSE("-j", "--"), CT_CLI_OK, "%s", err);
	cr_assert_null(cli.cmd, "nothing after --: no COMMAND");
}

/* `--paths 3` used to run "3" as COMMAND. */
Test(cli, optional_value_in_next_word)
{
	cr_assert_eq(PARSE("--paths", "3"), CT_CLI_ERROR);
	cr_expect(strstr(err, "unexpected argument '3'"), "%s", err);
	cr_expect(strstr(err, "--paths=3"), "%s", err);
	cr_assert_eq(PARSE("--paths", "-j", "x"), CT_CLI_ERROR);
	cr_expect(strstr(err, "'x'"), "%s", err);
	cr_expect_not(strstr(err, "--paths=x"), "-j came between: %s", err);
	cr_assert_eq(PARSE("--paths", "true"), CT_CLI_ERROR);
	cr_expect(strstr(err, "after --"), "%s", err);
	cr_expect_not(strstr(err, "--paths=true"), "not a count: %s", err);
}

/* A value given to an option that takes none, named as it was typed. */
Test(cli, flag_with_value)
{
	const char *words[] = { "--json=1", "--verbose=x", "--help=x",
				"--dump=1", "--no-opens=1",
				"--no-pulls=", "--version=2" };
	char want[64];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		cr_expect_eq(PARSE((char *)words[i]), CT_CLI_ERROR, "%s",
			     words[i]);
		snprintf(want, sizeof(want), "%.*s takes no value",
			 (int)strcspn(words[i], "="), words[i]);
		cr_expect(strstr(err, want), "%s: %s", words[i], err);
	}
	cr_assert_eq(PARSE("--jso=1"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--jso takes no value"), "%s", err);
	cr_assert_eq(PARSE("-vj=1"), CT_CLI_ERROR);
	cr_expect(strstr(err, "-j takes no value"), "%s", err);
}

/* --why[=sites|states|user]: the wait sites unless states, their user
 * stacks with user; nothing else. */
Test(cli, why_sites_or_states)
{
	cr_assert_eq(PARSE("--why"), CT_CLI_OK);
	cr_expect(cli.why && !cli.why_states);
	cr_assert_eq(PARSE("--why=sites"), CT_CLI_OK);
	cr_expect(cli.why && !cli.why_states);
	cr_assert_eq(PARSE("--why=states"), CT_CLI_OK);
	cr_expect(cli.why && cli.why_states);
	cr_assert_eq(PARSE("--why=user"), CT_CLI_OK);
	cr_expect(cli.why && !cli.why_states && cli.why_user);
	cr_assert_eq(PARSE("--why=1"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--why: '1': expected sites, states or user"),
		  "%s", err);
}

/* `--record --replay F` used to record into ./--replay. */
Test(cli, option_word_as_value)
{
	const char *opts[] = { "-r", "--runtime", "-c", "--container", "-d",
			       "-o", "--output", "-i", "-w", "--record",
			       "--replay", "--ringbuf", "--ready", "--listen",
			       "--metrics-labels", "--engine", "--arm" };
	const char *vals[] = { "--replay", "--", "-j", "--json", "-x" };

	cr_assert_eq(PARSE("--record", "--replay", "F"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--record needs a FILE (got option '--replay')"),
		  "%s", err);
	cr_assert_eq(PARSE("-jo", "-v"), CT_CLI_ERROR);
	cr_expect(strstr(err, "-o needs a DIR (got option '-v')"), "%s", err);
	for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
		for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			cr_expect_eq(PARSE((char *)opts[o], (char *)vals[v]),
				     CT_CLI_ERROR, "%s %s", opts[o], vals[v]);
			cr_expect(strstr(err, opts[o]) &&
				  strstr(err, "got option"), "%s %s: %s",
				  opts[o], vals[v], err);
		}
	}
}

/* Attached values are what the user wrote; numbers get their own check. */
Test(cli, dash_values_attached_or_numeric)
{
	cr_assert_eq(PARSE("--record=--replay"), CT_CLI_OK, "%s", err);
	cr_expect_str_eq(cli.record_path, "--replay");
	cr_assert_eq(PARSE("-o-j"), CT_CLI_OK, "%s", err);
	cr_expect_str_eq(cli.output_dir, "-j");
	cr_assert_eq(PARSE("-c", "-"), CT_CLI_OK, "%s", err);
	cr_assert_eq(PARSE("-d", "-1"), CT_CLI_ERROR);
	cr_expect(strstr(err, "out of range"), "%s", err);
}

Test(cli, short_clusters)
{
	cr_assert_eq(PARSE("-jvd5", "-rrunc", "-cj"), CT_CLI_OK, "%s", err);
	cr_expect(cli.json && cli.verbose);
	cr_expect_float_eq(cli.duration_s, 5.0, 1e-9);
	cr_expect_eq(cli.runtime_mask, 1u << CT_RT_RUNC);
	cr_expect_str_eq(cli.container, "j");
	cr_assert_eq(PARSE("-jx"), CT_CLI_ERROR);
	cr_expect(strstr(err, "unknown option '-x'"), "%s", err);
}

Test(cli, long_abbreviations)
{
	cr_assert_eq(PARSE("--dur=3", "--rec", "f", "--no-o"), CT_CLI_OK, "%s",
		     err);
	cr_expect_float_eq(cli.duration_s, 3.0, 1e-9);
	cr_expect_str_eq(cli.record_path, "f");
	cr_expect(cli.no_opens);
	cr_assert_eq(PARSE("--re", "x"), CT_CLI_ERROR);
	cr_expect(strstr(err, "ambiguous option '--re'"), "%s", err);
	cr_expect(strstr(err, "--record") && strstr(err, "--replay") &&
		  strstr(err, "--ready"), "%s", err);
	cr_assert_eq(PARSE("--bogus=3"), CT_CLI_ERROR);
	cr_expect(strstr(err, "unknown option '--bogus'"), "%s", err);
}

Test(cli, missing_value_at_end)
{
	cr_assert_eq(PARSE("--record"), CT_CLI_ERROR);
	cr_expect(strstr(err, "missing a FILE after --record"), "%s", err);
	cr_assert_eq(PARSE("-jc"), CT_CLI_ERROR);
	cr_expect(strstr(err, "missing a PREFIX|NAME|NS/POD after -c"), "%s", err);
}

/* -c NS/POD fits a namespace of 63 bytes and a pod name of 253; longer is
 * no id, name or pod of anyone's. */
Test(cli, container_filter_length)
{
	char arg[CT_FILTER_MAX + 1];

	memset(arg, 'a', sizeof(arg) - 1);
	arg[63] = '/';
	arg[63 + 1 + 253] = 0;
	cr_assert_eq(PARSE("-c", arg), CT_CLI_OK, "%s", err);
	memset(arg, 'a', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = 0;
	cr_assert_eq(PARSE("-c", arg), CT_CLI_ERROR);
	cr_expect(strstr(err, "--container: ") && strstr(err, "at most"),
		  "%s", err);
}

/* -o json is the format habit of kubectl, not a directory: refused with
 * both ways out; an existing directory of that name, or ./json, is one. */
Test(cli, output_format_word_refused)
{
	char dir[] = "/tmp/ct-cli-test-XXXXXX", cwd[4096];

	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(PARSE("-o", "json"), CT_CLI_ERROR);
	cr_expect(strstr(err, "use -j") && strstr(err, "give -o ./json"),
		  "%s", err);
	cr_assert_eq(PARSE("-o", "csv", "-d", "1"), CT_CLI_ERROR);
	cr_assert_eq(PARSE("-o", "./json"), CT_CLI_OK, "%s", err);
	cr_assert_eq(PARSE("-o", "results"), CT_CLI_OK, "%s", err);
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(mkdir("json", 0700), 0);
	cr_expect_eq(PARSE("-o", "json"), CT_CLI_OK, "an existing directory: %s",
		     err);
	cr_assert_eq(rmdir("json"), 0);
	cr_assert_eq(chdir(cwd), 0);
	cr_assert_eq(rmdir(dir), 0);
}

Test(cli, bad_runtime)
{
	cr_assert_eq(PARSE("-r", "runc,lxc"), CT_CLI_ERROR);
	cr_assert(strstr(err, "lxc"), "%s", err);
}

/* Every item is checked: "all" used to end the loop before "foo". */
Test(cli, runtime_list_items)
{
	cr_assert_eq(PARSE("-r", "all,foo"), CT_CLI_ERROR);
	cr_expect(strstr(err, "'all'"), "%s", err);
	cr_assert_eq(PARSE("-r", "runc,foo"), CT_CLI_ERROR);
	cr_expect(strstr(err, "'foo'"), "%s", err);
	cr_assert_eq(PARSE("-r", "crun,kata"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.runtime_mask, (1u << CT_RT_CRUN) | (1u << CT_RT_KATA));
	cr_assert_eq(PARSE("-r", "all"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.runtime_mask, 0);
}

/* --engine: the same list rules as --runtime, over the engines' names. */
Test(cli, engine_list)
{
	cr_assert_eq(PARSE("--engine=cri,podman"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.engine_mask, (1u << CT_ENG_CRI) | (1u << CT_ENG_PODMAN));
	cr_expect_eq(cli.runtime_mask, 0);
	cr_assert_eq(PARSE("--engine", "all"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.engine_mask, 0);
	cr_assert_eq(PARSE("--engine", "docker,lxd"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--engine: unknown engine 'lxd'"), "%s", err);
	cr_assert_eq(PARSE("--engine", "unknown"), CT_CLI_ERROR);
	cr_assert_eq(PARSE("--engine", "all,cri"), CT_CLI_ERROR);
	cr_expect(strstr(err, "'all' means every engine"), "%s", err);
	cr_assert_eq(PARSE("--engine="), CT_CLI_ERROR);
	cr_expect(strstr(err, "empty"), "%s", err);
	cr_assert_eq(PARSE("--engine", "cri,,docker"), CT_CLI_ERROR);
	cr_expect(strstr(err, "empty item"), "%s", err);
}

/*
 * --engine's words are the engines' table's (engine.h): each kind but
 * "unknown" is taken, named in --help's --engine line and in the list
 * an unknown word gets; a row added without them fails here.
 */
Test(cli, engine_names_are_the_tables)
{
	char help[16384], known[256], *line;

	help_into(help, sizeof(help));
	line = strstr(help, "--engine=LIST");
	cr_assert_not_null(line);
	*strchr(line, '\n') = '\0';
	cr_assert_eq(PARSE("--engine", "lxd"), CT_CLI_ERROR);
	snprintf(known, sizeof(known), "%s", err);
	for (int k = CT_ENG_UNKNOWN + 1; k < CT_ENG_MAX; k++) {
		const char *name = ct_engine(k)->name;

		cr_assert_eq(PARSE("--engine", (char *)name), CT_CLI_OK,
			     "%s: %s", name, err);
		cr_expect_eq(cli.engine_mask, 1u << k, "%s", name);
		cr_expect(strstr(line, name), "--help lacks %s: %s", name,
			  line);
		cr_expect(strstr(known, name), "the known list lacks %s: %s",
			  name, known);
	}
}

/* "all" is a whole answer, not an item: "all,runc" is refused. */
Test(cli, runtime_all_alone)
{
	cr_assert_eq(PARSE("-r", "all,runc"), CT_CLI_ERROR);
	cr_expect(strstr(err, "'all'"), "%s", err);
	cr_assert_eq(PARSE("-r", "runc,all"), CT_CLI_ERROR);
	cr_expect(strstr(err, "'all'"), "%s", err);
}

Test(cli, runtime_empty_items)
{
	const char *bad[] = { ",,", ",", "runc,", ",runc", "runc,,crun", "" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(PARSE("-r", (char *)bad[i]), CT_CLI_ERROR,
			     "accepted '%s'", bad[i]);
		cr_expect(strstr(err, "empty"), "'%s': %s", bad[i], err);
	}
}

/* A long list is judged on its items, not refused for its length. */
Test(cli, runtime_long_list)
{
	char list[512] = "runc";

	while (strlen(list) < 400)
		strcat(list, ",runc");
	cr_assert_eq(PARSE("-r", list), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.runtime_mask, 1u << CT_RT_RUNC);
	strcat(list, ",lxc");
	cr_assert_eq(PARSE("-r", list), CT_CLI_ERROR);
	cr_expect(strstr(err, "'lxc'"), "%s", err);
}

Test(cli, bad_numbers)
{
	const char *bad[] = { "-1", "0", "abc", "1x", "nan", "inf", "" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(PARSE("-d", (char *)bad[i]), CT_CLI_ERROR,
			     "accepted '%s'", bad[i]);
		cr_assert(strstr(err, "--duration"), "%s", err);
	}
}

/* strtod() alone takes blanks, a sign, hex and "infinity": refused. */
Test(cli, seconds_plain_decimal)
{
	const char *opts[] = { "-d", "-i", "-w" };
	const char *bad[] = { " 5", "5 ", "+5", "0x10", "1e999", "-0",
			      "1e-400", "infinity", "NaN", ".", "1..2", "5s",
			      "1e8", "-1", "" };
	const char *good[] = { "2.5", ".5", "1e2", "10000000", "0.001" };

	for (size_t o = 0; o < 3; o++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			cr_expect_eq(PARSE((char *)opts[o], (char *)bad[i]),
				     CT_CLI_ERROR, "%s accepted '%s'", opts[o],
				     bad[i]);
			cr_expect(strstr(err, "--"), "%s", err);
		}
		for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
			cr_expect_eq(PARSE((char *)opts[o], (char *)good[i],
					   "--", "true"),
				     CT_CLI_OK, "%s '%s': %s", opts[o],
				     good[i], err);
	}
}

/* The message says what is wrong, not only that something is. */
Test(cli, seconds_messages)
{
	cr_assert_eq(PARSE("-d", ""), CT_CLI_ERROR);
	cr_expect(strstr(err, "empty"), "%s", err);
	cr_assert_eq(PARSE("-d", "1e8"), CT_CLI_ERROR);
	cr_expect(strstr(err, "10000000"), "%s", err);
	cr_assert_eq(PARSE("-w", "-1"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--wait") && strstr(err, "more than 0"), "%s",
		  err);
	cr_assert_eq(PARSE("--interval=abc"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--interval") && strstr(err, "not a number"),
		  "%s", err);
}

/* strtoul("-18446744073709551615") is 1: the sign must be seen first. */
Test(cli, whole_numbers_plain_decimal)
{
	const char *bad[] = { "--ringbuf=-18446744073709551615",
			      "--ringbuf=+64", "--ringbuf= 64", "--ringbuf=",
			      "--ringbuf=0x40", "--ringbuf=64 ",
			      "--ringbuf=99999999999999999999",
			      "--paths=+3", "--paths= 3", "--paths=0x3",
			      "--paths=-0", "--paths=3 " };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(PARSE((char *)bad[i]), CT_CLI_ERROR, "accepted %s",
			     bad[i]);
	cr_assert_eq(PARSE("--paths=17"), CT_CLI_ERROR);
	cr_expect(strstr(err, "16"), "%s", err);
	cr_assert_eq(PARSE("--ringbuf=48"), CT_CLI_ERROR);
	cr_expect(strstr(err, "power of two"), "%s", err);
	cr_assert_eq(PARSE("--ringbuf="), CT_CLI_ERROR);
	cr_expect(strstr(err, "empty"), "%s", err);
	cr_assert_eq(PARSE("--ringbuf=2048"), CT_CLI_ERROR);
	cr_expect(strstr(err, "1G"), "%s", err);
}

Test(cli, unknown_option)
{
	cr_assert_eq(PARSE("--bogus"), CT_CLI_ERROR);
	cr_assert(strstr(err, "--bogus"), "%s", err);
	cr_assert_eq(PARSE("-x"), CT_CLI_ERROR);
	cr_assert(strstr(err, "-x"), "%s", err);
}

Test(cli, missing_argument)
{
	cr_assert_eq(PARSE("-j", "-d"), CT_CLI_ERROR);
	cr_assert(strstr(err, "missing"), "%s", err);
}

Test(cli, replay_conflicts)
{
	cr_assert_eq(PARSE("--replay", "a", "--", "true"), CT_CLI_ERROR);
	cr_assert_eq(PARSE("--replay", "a", "--record", "b"), CT_CLI_ERROR);
	cr_assert_eq(PARSE("--output", ""), CT_CLI_ERROR);
}

/* Per-container labels, for a Prometheus output only. */
Test(cli, metrics_labels)
{
	const char *bad[] = { "", ",", "id,", ",name", "id,,name", "all" };

	cr_expect_eq(cli.metrics_labels, 0);
	cr_assert_eq(PARSE("--listen", "127.0.0.1:9466", "-d", "5",
			   "--metrics-labels=id"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.metrics_labels, CT_PROM_LABEL_ID);
	cr_assert_eq(PARSE("-o", "d", "--metrics-labels", "name,id"),
		     CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.metrics_labels, CT_PROM_LABEL_ID | CT_PROM_LABEL_NAME);
	cr_assert_eq(PARSE("--metrics-labels=id,name"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--listen or -o"), "%s", err);
	cr_assert_eq(PARSE("-o", "d", "--metrics-labels=id,image"),
		     CT_CLI_ERROR);
	cr_expect(strstr(err, "unknown label 'image' (known: id, name, "
			  "namespace, pod)"), "%s", err);
	cr_assert_eq(PARSE("-o", "d", "--metrics-labels=pod,namespace"),
		     CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.metrics_labels,
		     CT_PROM_LABEL_POD | CT_PROM_LABEL_NAMESPACE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(PARSE("-o", "d", "--metrics-labels", (char *)bad[i]),
			     CT_CLI_ERROR, "accepted '%s'", bad[i]);
}

Test(cli, arm)
{
	cr_assert_eq(PARSE("-j"), CT_CLI_OK, "%s", err);
	cr_expect(!cli.arm_always, "auto by default");
	cr_assert_eq(PARSE("--arm=always"), CT_CLI_OK, "%s", err);
	cr_expect(cli.arm_always);
	cr_assert_eq(PARSE("--arm", "auto"), CT_CLI_OK, "%s", err);
	cr_expect(!cli.arm_always);
	cr_assert_eq(PARSE("--arm=sometimes"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--arm: unknown value 'sometimes' (auto or "
			 "always)"), "%s", err);
	cr_assert_eq(PARSE("--arm=always", "--replay", "f"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--replay has none"), "%s", err);
}

Test(cli, help_and_version)
{
	cr_assert_eq(PARSE("--help"), CT_CLI_EXIT_OK);
	cr_assert_eq(PARSE("-?"), CT_CLI_EXIT_OK, "%s", err);
	cr_assert_eq(PARSE("--usage"), CT_CLI_EXIT_OK, "%s", err);
	cr_assert_eq(PARSE("-V"), CT_CLI_EXIT_OK);
	cr_assert_eq(PARSE("-V", "-j"), CT_CLI_EXIT_OK, "%s", err);
}

/* -V as bpftool's: the version, the libbpf under it, what it knows. */
Test(cli, version_says_libbpf_and_what_it_knows)
{
	char *argv[] = { "coldtrace", "-V", NULL }, *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(ct_cli_parse(2, argv, &cli, f, err, sizeof(err)),
		     CT_CLI_EXIT_OK);
	fclose(f);
	cr_expect(!strncmp(buf, "coldtrace ", 10), "%s", buf);
	cr_expect(strstr(buf, "\nusing libbpf v"), "%s", buf);
	cr_expect(strstr(buf, "\nruntimes: runc crun runsc kata\n"), "%s", buf);
	cr_expect(strstr(buf, "\nengines: docker containerd direct podman cri buildah\n"),
		  "%s", buf);
	free(buf);
}

/* A stray word or a COMMAND after -V or -h is a mistake, not ignored. */
Test(cli, help_and_version_take_nothing_else)
{
	cr_assert_eq(PARSE("-V", "extra"), CT_CLI_ERROR);
	cr_expect(strstr(err, "unexpected argument 'extra'"), "%s", err);
	cr_assert_eq(PARSE("--help", "extra"), CT_CLI_ERROR);
	cr_assert_eq(PARSE("-V", "--", "true"), CT_CLI_ERROR);
	cr_expect(strstr(err, "-V takes no COMMAND"), "%s", err);
	cr_assert_eq(PARSE("--version", "--bogus"), CT_CLI_ERROR);
}

/*
 * --listen's address is checked with the other options, before anything
 * is loaded, and each kind of mistake is named.
 */
Test(cli, listen_address_checked_at_parse)
{
	static const struct { const char *addr, *says; } bad[] = {
		{ "foo", "ADDR:PORT" },
		{ ":99999", "port '99999'" },
		{ ":0", "port '0'" },
		{ ":", "port ''" },
		{ "127.0.0.1:80x", "port '80x'" },
		{ "[::1]:9000", "IPv6" },
		{ "::1", "IPv6" },
		{ "localhost:9466", "numeric IPv4" },
		{ "1.2.3:80", "numeric IPv4" },
		/* every interface to Go, loopback to coldtrace once: neither */
		{ ":9466", "127.0.0.1:9466 for loopback only or 0.0.0.0:9466 "
			   "for every interface" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(PARSE("-d", "1", "--listen", (char *)bad[i].addr),
			     CT_CLI_ERROR, "accepted '%s'", bad[i].addr);
		cr_expect(strstr(err, "--listen"), "%s: %s", bad[i].addr, err);
		cr_expect(strstr(err, bad[i].says), "%s: %s", bad[i].addr, err);
	}
	cr_assert_eq(PARSE("--listen", "127.0.0.1:9466"), CT_CLI_OK, "%s", err);
	cr_assert_eq(PARSE("--listen", "0.0.0.0:1"), CT_CLI_OK, "%s", err);
	cr_assert_eq(PARSE("--listen=127.0.0.1:65535"), CT_CLI_OK, "%s", err);
}

/* Continuous mode folds containers: no series of its own per container. */
Test(cli, metrics_labels_not_in_continuous_mode)
{
	cr_assert_eq(PARSE("--listen", "127.0.0.1:9466", "--metrics-labels=id"),
		     CT_CLI_ERROR);
	cr_expect(strstr(err, "continuous mode"), "%s", err);
	cr_assert_eq(PARSE("--listen", "127.0.0.1:9466", "--metrics-labels=id",
			   "--", "true"), CT_CLI_OK, "%s", err);
}

Test(cli, wait_needs_a_command)
{
	cr_assert_eq(PARSE("-w", "3"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--wait"), "%s", err);
	cr_expect(strstr(err, "COMMAND"), "%s", err);
	cr_assert_eq(PARSE("-w", "3", "--", "true"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.wait_s, 3);
}

/* A replay has no duration and serves nothing: refused, not ignored. */
Test(cli, replay_refuses_live_options)
{
	cr_assert_eq(PARSE("--replay", "f", "-d", "5"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--replay"), "%s", err);
	cr_expect(strstr(err, "-d"), "%s", err);
	cr_assert_eq(PARSE("--replay", "f", "--listen", "127.0.0.1:9466"),
		     CT_CLI_ERROR);
	cr_expect(strstr(err, "--listen"), "%s", err);
	cr_assert_eq(PARSE("--replay", "f", "-i", "1"), CT_CLI_OK, "%s", err);
}

/* -T: the table's wall-clock column; -jT a cluster as any other. */
Test(cli, timestamps)
{
	cr_assert_eq(PARSE("-j"), CT_CLI_OK, "%s", err);
	cr_expect_not(cli.timestamps);
	cr_assert_eq(PARSE("-T"), CT_CLI_OK, "%s", err);
	cr_expect(cli.timestamps);
	cr_assert_eq(PARSE("--timestamps", "-d", "1"), CT_CLI_OK, "%s", err);
	cr_expect(cli.timestamps);
	cr_assert_eq(PARSE("-Tj"), CT_CLI_OK, "%s", err);
	cr_expect(cli.timestamps && cli.json);
}

/* --usage: one line per group of options, every option of the table,
 * wrapped; -c's value: an id prefix or a whole name. */
Test(cli, short_usage)
{
	char buf[4096] = { 0 };
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	char *av[] = { "coldtrace", "--usage", NULL };
	const char *want[] = { "Usage: coldtrace [-jTvhV]", "[-c PREFIX|NAME|NS/POD]",
			       "[--engine=LIST]", "[-w SEC]", "[--dump]",
			       "[--no-opens]", "[--no-pulls]", "[--paths[=N]]",
			       "[--why[=sites|states|user]]", "[--ready=MARKER]",
			       "[--arm=auto|always]", "[-- COMMAND [ARG...]]" };

	cr_assert_not_null(f);
	cr_assert_eq(ct_cli_parse(2, av, &cli, f, err, sizeof(err)),
		     CT_CLI_EXIT_OK);
	fclose(f);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(strstr(buf, want[i]), "%s not in %s", want[i], buf);
	for (const char *l = buf; *l; l = strchr(l, '\n') + 1)
		cr_expect_leq(strcspn(l, "\n"), 79, "%s", l);
}

Test(cli, paths_default_and_count)
{
	cr_assert_eq(PARSE("-j"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.paths, 0, "off unless asked for");
	cr_assert_eq(PARSE("--paths"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.paths, 5);
	cr_assert_eq(PARSE("--paths=16", "-j"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.paths, 16);
	cr_assert_eq(PARSE("--paths=1"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.paths, 1);
	/* the optional argument needs '=': COMMAND still needs "--" */
	cr_assert_eq(PARSE("--paths", "--", "true"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.paths, 5);
	cr_assert_str_eq(cli.cmd[0], "true");
}

Test(cli, paths_bad_values)
{
	const char *bad[] = { "--paths=0", "--paths=17", "--paths=-1",
			      "--paths=abc", "--paths=", "--paths=3x",
			      "--paths=99999999999999999999" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(PARSE((char *)bad[i]), CT_CLI_ERROR, "%s", bad[i]);
		cr_expect(strstr(err, "--paths"), "%s: %s", bad[i], err);
	}
	cr_expect_eq(PARSE("--paths", "--no-opens"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--no-opens"), "%s", err);
}

Test(cli, paths_in_help)
{
	char buf[16384];

	help_into(buf, sizeof(buf));
	cr_expect(strstr(buf, "--paths[=N]"), "%s", buf);
}

/*
 * --help is made from the option rows: each line within 79 columns, and
 * every number a macro gives spelt out (a row written before its macro
 * is defined shows the macro's name, as --start-files' did).
 */
Test(cli, help_from_the_rows)
{
	char buf[16384];

	help_into(buf, sizeof(buf));
	for (const char *l = buf; *l; l += strcspn(l, "\n") + 1)
		cr_expect_leq(strcspn(l, "\n"), 79, "%.100s", l);
	for (const char *p = buf; *p; p++)
		cr_expect(!(isupper((unsigned char)p[0]) && p[1] == '_' &&
			    isupper((unsigned char)p[2])), "a macro's name: "
			  "%.40s", p - (p - buf < 20 ? p - buf : 20));
	cr_expect(strstr(buf, "(default 10, at most 300)"), "--start-files");
}

/* --help states continuous mode's rewrite period, CT_CLI_CONTINUOUS_REWRITE_S. */
Test(cli, continuous_rewrite_in_help)
{
	char buf[16384], want[128];

	help_into(buf, sizeof(buf));
	snprintf(want, sizeof(want), "-o DIR rewritten every -i SEC\n"
		 "                        (default %d s)",
		 CT_CLI_CONTINUOUS_REWRITE_S);
	cr_expect(strstr(buf, want), "%s", buf);
}

Test(cli, ringbuf_size)
{
	cr_assert_eq(PARSE("--ringbuf=64"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.ringbuf_bytes, (size_t)64 << 20, "a plain number: MiB");
	cr_assert_eq(PARSE("--ringbuf", "512K"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.ringbuf_bytes, (size_t)512 << 10);
	cr_assert_eq(PARSE("--ringbuf=2m"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.ringbuf_bytes, (size_t)2 << 20);
	cr_assert_eq(PARSE("--ringbuf=64K"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.ringbuf_bytes, CT_RINGBUF_MIN);
	cr_assert_eq(PARSE("--ringbuf=1G"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.ringbuf_bytes, CT_RINGBUF_MAX);
	cr_assert_eq(PARSE("-j"), CT_CLI_OK, "%s", err);
	cr_expect_eq(cli.ringbuf_bytes, 0, "0: the loader's default");
	cr_expect_eq(PARSE("--ringbuf", "48"), CT_CLI_ERROR, "not a power of 2");
	cr_expect(strstr(err, "--ringbuf"), "%s", err);
	cr_expect_eq(PARSE("--ringbuf=0"), CT_CLI_ERROR);
	cr_expect_eq(PARSE("--ringbuf=2048"), CT_CLI_ERROR);
	cr_expect_eq(PARSE("--ringbuf=8x"), CT_CLI_ERROR);
}

/* Each refusal says what is wrong with the size. */
Test(cli, ringbuf_size_messages)
{
	const char *range[] = { "32K", "2G", "0", "4096", "0K" };
	const char *not_size[] = { "4MB", "4 M", "M", "-4M", "+4M", "0x10",
				   "99999999999999999999", "1KK", "4.5M" };

	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		cr_assert_eq(PARSE("--ringbuf", (char *)range[i]),
			     CT_CLI_ERROR, "accepted %s", range[i]);
		cr_expect(strstr(err, "out of range (" CT_RINGBUF_RANGE ")"),
			  "%s", err);
	}
	for (size_t i = 0; i < sizeof(not_size) / sizeof(not_size[0]); i++) {
		cr_assert_eq(PARSE("--ringbuf", (char *)not_size[i]),
			     CT_CLI_ERROR, "accepted %s", not_size[i]);
		cr_expect(strstr(err, "is not a size"), "%s", err);
	}
	cr_assert_eq(PARSE("--ringbuf=96K"), CT_CLI_ERROR);
	cr_expect(strstr(err, "'96K' is not a power of two"), "%s", err);
}

Test(cli, ready_marker)
{
	cr_assert_eq(PARSE("-j"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.ready_mode, CT_READY_LISTEN, "listen by default");
	cr_assert_eq(PARSE("--ready=exec"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.ready_mode, CT_READY_EXEC);
	cr_assert_eq(PARSE("--ready", "none"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.ready_mode, CT_READY_NONE);
	cr_assert_eq(PARSE("--ready=accept"), CT_CLI_ERROR);
	cr_assert(strstr(err, "listen, exec, none"), "%s", err);
	/* listen needs the open tracer's container map */
	cr_assert_eq(PARSE("--no-opens"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.ready_mode, CT_READY_EXEC, "falls back to exec");
	cr_assert_eq(PARSE("--no-opens", "--ready=listen"), CT_CLI_ERROR);
	cr_assert(strstr(err, "--no-opens"), "%s", err);
}

/* main() reports a bad command line as JSON too when -j was asked for. */
Test(cli, wants_json_yes)
{
	cr_expect(WANTS("-j"));
	cr_expect(WANTS("--json"));
	cr_expect(WANTS("--js"), "unambiguous abbreviation");
	cr_expect(WANTS("-vj"));
	cr_expect(WANTS("-jc", "x"));
	cr_expect(WANTS("--json=1"), "asked for JSON, with a bad value");
	cr_expect(WANTS("-c", "x", "-j"));
	cr_expect(WANTS("--bogus", "-j"), "past an unknown option");
	cr_expect(WANTS("-xj"), "past an unknown letter in a cluster");
	cr_expect(WANTS("-c", "-j"), "-j refused as -c's value is -j");
	cr_expect(WANTS("--paths", "3", "-j"), "past a stray word");
	cr_expect(WANTS("-d", "abc", "-j"), "past a bad value");
	cr_expect(WANTS("-r", "all,foo", "--json"));
	cr_expect(WANTS("--replay", "a", "-j", "--", "true"));
}

/* A 'j' that is a value, or COMMAND's, is not a request for JSON. */
Test(cli, wants_json_no)
{
	char *none[] = { "coldtrace", NULL };

	cr_expect_not(ct_cli_wants_json(1, none));
	cr_expect_not(ct_cli_wants_json(0, none));
	cr_expect_not(WANTS("-c", "j"));
	cr_expect_not(WANTS("-cj"), "j is -c's value");
	cr_expect_not(WANTS("-vcj"), "j is -c's value");
	cr_expect_not(WANTS("-cjv"), "jv is -c's value");
	cr_expect_not(WANTS("-r", "json"));
	cr_expect_not(WANTS("--container=-j"));
	cr_expect_not(WANTS("-o-j"));
	cr_expect_not(WANTS("--", "-j"));
	cr_expect_not(WANTS("-v", "--", "docker", "run", "-j"));
	cr_expect_not(WANTS("--record", "--", "-j"), "-- ends the options");
	cr_expect_not(WANTS("-J"));
	cr_expect_not(WANTS("--jsonx"));
	cr_expect_not(WANTS("--bogus"));
	cr_expect_not(WANTS("json"));
}

/* On success it must agree with the parse, word for word. */
Test(cli, wants_json_agrees_with_parse)
{
	cr_assert_eq(PARSE("-vjd5", "-cj", "--", "-j"), CT_CLI_OK, "%s", err);
	cr_expect(cli.json);
	cr_expect(WANTS("-vjd5", "-cj", "--", "-j"));
	cr_assert_eq(PARSE("-vd5", "-cj", "--", "-j"), CT_CLI_OK, "%s", err);
	cr_expect_not(cli.json);
	cr_expect_not(WANTS("-vd5", "-cj", "--", "-j"));
}

/* After a failed parse, cli.json still says whether -j was asked for. */
Test(cli, json_set_on_error)
{
	cr_assert_eq(PARSE("--bogus", "-j"), CT_CLI_ERROR);
	cr_expect(cli.json, "-j after the bad option");
	cr_assert_eq(PARSE("-j", "--paths", "3"), CT_CLI_ERROR);
	cr_expect(cli.json);
	cr_assert_eq(PARSE("--json=1"), CT_CLI_ERROR);
	cr_expect(cli.json);
	cr_assert_eq(PARSE("-c", "j", "--bogus"), CT_CLI_ERROR);
	cr_expect_not(cli.json);
	cr_assert_eq(PARSE("--replay", "a", "--record", "b", "-j"),
		     CT_CLI_ERROR);
	cr_expect(cli.json, "a combination error");
}

Test(cli, start_files_window)
{
	const char *bad[] = { "--start-files=0", "--start-files=301",
			      "--start-files=-1", "--start-files=abc",
			      "--start-files=", "--start-files=1.5" };

	cr_assert_eq(PARSE("-j"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.start_files_s, 0, "off unless asked for");
	cr_assert_eq(PARSE("--start-files"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.start_files_s, 10);
	cr_assert_eq(PARSE("--start-files=300"), CT_CLI_OK, "%s", err);
	cr_assert_eq(cli.start_files_s, 300);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(PARSE((char *)bad[i]), CT_CLI_ERROR, "%s", bad[i]);
		cr_expect(strstr(err, "--start-files"), "%s: %s", bad[i], err);
	}
	cr_expect_eq(PARSE("--start-files", "--no-opens"), CT_CLI_ERROR);
	cr_expect(strstr(err, "--no-opens"), "%s", err);
}

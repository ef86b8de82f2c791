/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The per-container figures, declared once: every row is a field of
 * struct ct_container (made from the row, container.h) and what the
 * JSON record, the OTLP root span's attributes and the table's notes
 * say of it, and which statistics it keeps its container out of
 * (user/stats/agg.c).  A new figure is a row here, the line that sets
 * it and its test.  The figures of its FUSE use are a second table of
 * the same kind, CT_FUSE_FIGURES, below the first's functions.
 *
 * A row: CT_FIGURE(field, kind, designated initializers of struct
 * ct_figure_row).  The kind is its type: FLAG, a bool; REASON, a
 * uint8_t said in words by the row's reason() (0: not set); EXIT, a
 * bool said as the int field at the row's value (an exit status); PART,
 * a bool said as true that is a field of a part of its own (the row's
 * field is that part, its value the bool's offset; the row makes no
 * field).  A figure is said only when set.  Each output writes its figures in groups at
 * the place it wrote them before the table (with other fields between
 * them): json_at, otlp_at, note_at, csv_at and prom_at are 10 * group +
 * rank in it (0: not in that output), and a writer walks one group where
 * it writes it (ct_figures_set()).  phases.csv and /metrics say no
 * figure (csv_at and prom_at are 0 in every row: a place there needs its
 * writer first); a figure reaches them only through keep_out, asked of
 * agg.c (ct_agg_counts(), ct_agg_sample()): their empty cells and the
 * containers their histograms leave out.
 */
#ifndef __CT_FIGURES_H
#define __CT_FIGURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The statistics a figure keeps its container out of when set. */
enum ct_figure_keep_out {
	CT_FIG_OUT_ALL = 1u << 0,	/* every one: not counted at all */
	CT_FIG_OUT_TOTAL = 1u << 1,	/* its total time */
	CT_FIG_OUT_COLD = 1u << 2,	/* its cold start */
	CT_FIG_OUT_REMOVAL = 1u << 3,	/* its disconnect and destroy */
};

/* EXIT: a bool said as the int at the row's value, an exit status;
 * PART: a bool at the row's value, in a part of the container */
enum ct_figure_kind { CT_FIG_FLAG, CT_FIG_REASON, CT_FIG_EXIT,
		      CT_FIG_PART };

/* The outputs that say the figures, and the place of each. */
enum ct_figure_out {
	CT_FIG_JSON, CT_FIG_OTLP, CT_FIG_NOTE, CT_FIG_CSV, CT_FIG_PROM,
	CT_FIG_OUTS
};

struct ct_figure_row {
	const char *name;	/* its field's */
	size_t off;		/* in struct ct_container */
	enum ct_figure_kind kind;
	/* a REASON's words for its value */
	const char *(*reason)(uint8_t v);
	/* an EXIT's int, a PART's bool, in struct ct_container */
	size_t value;
	const char *json;	/* the record's key */
	/* a FLAG's value in the record, NULL: true */
	const char *json_text;
	const char *otlp;	/* its attribute (a FLAG's: true) */
	/* the table's note, its line without indent and newline; a
	 * REASON's is followed by its words */
	const char *note;
	const char *help;	/* what it says, for docs/output.md */
	unsigned int keep_out;	/* enum ct_figure_keep_out */
	unsigned int json_at, otlp_at, note_at, csv_at, prom_at;
};

/* The table: CT_FIGURES(CT_FIGURE) expands it row by row. */
#define CT_FIGURES(X)							\
	/* it never ran its program (enum ct_failure): not a cold	\
	 * start; its OTLP span is an error too (user/sinks/otlp.c) */	\
	X(failed, REASON,						\
	  .reason = ct_failure_name,					\
	  .json = "failed", .otlp = "coldtrace.failed",			\
	  .help = "it never ran its program: the step that failed",	\
	  .keep_out = CT_FIG_OUT_ALL,					\
	  .json_at = 10, .otlp_at = 10)					\
	/* its runtime began while the syscall hooks were detached	\
	 * (user/arm.h): opens, ready, mounts and removal may be	\
	 * missing */							\
	X(unarmed, FLAG,						\
	  .json = "unarmed", .otlp = "coldtrace.unarmed",		\
	  .note = "began while the syscall hooks were detached (idle "	\
		  "host): opens, ready and mounts may be missing (in no "\
		  "statistic)",						\
	  .help = "began while the syscall hooks were detached",	\
	  .keep_out = CT_FIG_OUT_ALL,					\
	  .json_at = 11, .otlp_at = 11, .note_at = 11)			\
	/* its removal (pid 1's exit) began while the syscall hooks	\
	 * were detached: its disconnect and destroy may miss the	\
	 * engine's umounts and rmdirs, which came before the hooks */	\
	X(removal_unarmed, FLAG,					\
	  .json = "removal_unarmed", .otlp = "coldtrace.removal_unarmed",\
	  .note = "its removal began while the syscall hooks were "	\
		  "detached: disconnect and destroy may miss the "	\
		  "engine's umounts (in no statistic of theirs)",	\
	  .help = "its removal began while the syscall hooks were "	\
		  "detached",						\
	  .keep_out = CT_FIG_OUT_TOTAL | CT_FIG_OUT_REMOVAL,		\
	  .json_at = 12, .otlp_at = 12, .note_at = 12)			\
	/* the kernel's ring buffer lost records while it was followed	\
	 * (CT_EV_LOST): incomplete, and what is missing of it (its	\
	 * program's exec) does not make it failed */			\
	X(records_lost, FLAG,						\
	  .json = "records_lost", .otlp = "coldtrace.records_lost",	\
	  .help = "the ring buffer lost records while it was followed",\
	  .json_at = 13, .otlp_at = 14)					\
	/* begun before the session (adopted from /proc, user/kern/	\
	 * adopt.h): seen from the middle, never complete */		\
	X(partial, FLAG,						\
	  .json = "partial", .json_text = "started before the session",\
	  .otlp = "coldtrace.partial",					\
	  .note = "started before the session: seen from the middle "	\
		  "(no cold start, in no statistic)",			\
	  .help = "started before the session",				\
	  .keep_out = CT_FIG_OUT_ALL,					\
	  .json_at = 14, .otlp_at = 13, .note_at = 21)			\
	/* its runtime's checkpoint ran while it was followed: CRIU	\
	 * dumped it (and, unless told to leave it running, killed it:	\
	 * then it has no exit code, as its engine reports no exit) */	\
	X(checkpointed, FLAG,						\
	  .json = "checkpointed", .otlp = "coldtrace.checkpointed",	\
	  .note = "checkpointed by its runtime (CRIU)",			\
	  .help = "its runtime checkpointed it",			\
	  .json_at = 21, .otlp_at = 15, .note_at = 41)			\
	/* restored from a checkpoint (struct ct_restore): the record's	\
	 * "restore" and the table's note say its parts by hand */	\
	X(restore, PART,						\
	  .value = offsetof(struct ct_container, restore.is),		\
	  .otlp = "coldtrace.restore",					\
	  .help = "restored from a checkpoint (the record's "		\
		  "\"restore\" says CRIU's times)",			\
	  .otlp_at = 16)						\
	/* pid 1's argv was longer than its cmd or the record */	\
	X(cmd_truncated, FLAG,						\
	  .json = "command_truncated",					\
	  .help = "its command was cut to fit",				\
	  .json_at = 31)						\
	/* why it has no prepare although its creation was seen	\
	 * (enum ct_prepare_missing) */					\
	X(prepare_missing, REASON,					\
	  .reason = ct_prepare_missing_reason,				\
	  .json = "prepare_missing", .note = "no prepare: ",		\
	  .help = "why it has no prepare although its creation was seen",\
	  .keep_out = CT_FIG_OUT_TOTAL | CT_FIG_OUT_COLD,		\
	  .json_at = 22, .note_at = 31)					\
	/* the shim ended while the program ran (killed, crashed): the	\
	 * record is incomplete, shim_exit its status (128+sig if	\
	 * killed) */							\
	X(shim_lost, EXIT,						\
	  .value = offsetof(struct ct_container, shim_exit),		\
	  .json = "shim_exit_code", .otlp = "coldtrace.shim_exit_code",\
	  .help = "its shim ended while its program ran: the shim's "	\
		  "exit status",					\
	  .json_at = 23, .otlp_at = 21)					\
	/* several clients could have asked for it (client.h): none is	\
	 * said, its "client" is absent (the summary counts it) */	\
	X(client_ambiguous, FLAG,					\
	  .help = "several clients could have asked for it: no output "	\
		  "says one (counted in `ambiguous_clients`)")

#define CT_FIGURE_FIELD_FLAG(field)	bool field;
#define CT_FIGURE_FIELD_REASON(field)	uint8_t field;
#define CT_FIGURE_FIELD_EXIT(field)	bool field;
#define CT_FIGURE_FIELD_PART(field)	/* its part's */
/* Its field in struct ct_container. */
#define CT_FIGURE_FIELD(field, kind, ...)	CT_FIGURE_FIELD_##kind(field)

#define CT_FIGURE_ENUM(field, kind, ...)	CT_FIG_##field,
enum ct_figure { CT_FIGURES(CT_FIGURE_ENUM) CT_FIG_MAX };
#undef CT_FIGURE_ENUM

struct ct_container;

const struct ct_figure_row *ct_figure_row(enum ct_figure f);
/* Its value in c (0: not set). */
uint8_t ct_figure_value(const struct ct_container *c, enum ct_figure f);
/* An EXIT's status in c. */
int ct_figure_exit(const struct ct_container *c, enum ct_figure f);
/* A REASON's words for its value in c, NULL for a FLAG. */
const char *ct_figure_words(const struct ct_container *c, enum ct_figure f);
/*
 * The figures of group (1..9) of out set in c, in its order, into
 * set[]; their number.
 */
int ct_figures_set(const struct ct_container *c, enum ct_figure_out out,
		   unsigned int group, enum ct_figure set[CT_FIG_MAX]);
/* Its place in out (the row's *_at: 0, not in it). */
unsigned int ct_figure_place(enum ct_figure f, enum ct_figure_out out);
/* Whether a figure set in c keeps it out of any of mask's statistics. */
bool ct_figures_keep_out(const struct ct_container *c, unsigned int mask);

/*
 * The figures of a container's FUSE use (struct ct_fuse_use, its
 * "fuse" in the record, coldtrace.fuse.* on its root span, the table's
 * FUSE note): a row is a field of struct ct_fuse_use, made from it.
 * Its kind is its type: U64, a uint64_t; U32, a uint32_t; FLAG, a bool
 * (said as true, in the note as its text alone).  Unlike a container's
 * figure, a count is said when 0 too: a row is said when all of its
 * when's conditions hold (enum ct_fuse_figure_when, none: always), in
 * the note when all of note_when's do.  json_at, otlp_at and note_at
 * as above, in the groups the record's "fuse", the root span's
 * attributes and the note walk (user/sinks/output.c, otlp.c, table.c).
 */
enum ct_fuse_figure_kind { CT_FUSE_FIG_U64, CT_FUSE_FIG_U32,
			   CT_FUSE_FIG_FLAG };

enum ct_fuse_figure_when {
	/* a layer was sampled: its fetched bytes are known or unknown */
	CT_FUSE_IF_FETCHED = 1u << 0,
	CT_FUSE_IF_READY = 1u << 1,	/* its ready phase splits it */
	CT_FUSE_IF_SET = 1u << 2,	/* not 0 */
	/* a layer's fetched bytes are known (CT_FETCHED_KNOWN) */
	CT_FUSE_IF_KNOWN = 1u << 3,
};

/* How the note says a count: as it is, in KiB or in ms (%.1f). */
enum ct_fuse_note_unit { CT_FUSE_NOTE_N, CT_FUSE_NOTE_KIB, CT_FUSE_NOTE_MS };

struct ct_fuse_figure_row {
	const char *name;	/* its field's */
	size_t off;		/* in struct ct_fuse_use */
	enum ct_fuse_figure_kind kind;
	unsigned int when;	/* enum ct_fuse_figure_when */
	const char *json;	/* the key in the record's "fuse" */
	const char *otlp;	/* its attribute */
	/* the note's words before its count (a FLAG's: all of them),
	 * the count in note_unit, and the words after it */
	const char *note, *note_end;
	enum ct_fuse_note_unit note_unit;
	unsigned int note_when;	/* enum ct_fuse_figure_when */
	unsigned int json_at, otlp_at, note_at;
};

#define CT_FUSE_FIGURES(X)						\
	X(requests, U64, .json = "requests",				\
	  .otlp = "coldtrace.fuse.requests", .note_end = " requests",	\
	  .json_at = 11, .otlp_at = 11, .note_at = 11)			\
	X(reads, U64, .json = "reads", .json_at = 12)	/* FUSE_READ */	\
	X(read_bytes, U64, .json = "read_bytes",			\
	  .otlp = "coldtrace.fuse.read_bytes",				\
	  .note = " (", .note_unit = CT_FUSE_NOTE_KIB,			\
	  .note_end = " KiB read)",					\
	  .json_at = 13, .otlp_at = 12, .note_at = 12)			\
	/* replies with an error */					\
	X(errors, U64, .json = "errors", .json_at = 14)			\
	/* FUSE mounts (a lazy image: its layers) */			\
	X(connections, U32, .json = "connections",			\
	  .otlp = "coldtrace.fuse.connections", .json_at = 15,		\
	  .otlp_at = 13)						\
	/* the union of its requests' intervals */			\
	X(wait_ns, U64, .json = "wait_ns",				\
	  .otlp = "coldtrace.fuse.wait_ns",				\
	  .note = " in flight ", .note_unit = CT_FUSE_NOTE_MS,		\
	  .note_end = " ms",						\
	  .json_at = 16, .otlp_at = 14, .note_at = 13)			\
	/* of it, before the end of its ready phase and after */	\
	X(wait_before_ready_ns, U64, .when = CT_FUSE_IF_READY,		\
	  .json = "wait_before_ready_ns",				\
	  .otlp = "coldtrace.fuse.wait_before_ready_ns",		\
	  .json_at = 17, .otlp_at = 15)					\
	X(wait_after_ready_ns, U64, .when = CT_FUSE_IF_READY,		\
	  .json = "wait_after_ready_ns",				\
	  .otlp = "coldtrace.fuse.wait_after_ready_ns",		\
	  .note = " (", .note_unit = CT_FUSE_NOTE_MS,			\
	  .note_end = " after ready)", .note_when = CT_FUSE_IF_READY,	\
	  .json_at = 18, .otlp_at = 16, .note_at = 14)			\
	/* the last request's end, after the exec */			\
	X(last_ns, U64, .json = "last_ns",				\
	  .otlp = "coldtrace.fuse.last_ns",				\
	  .note = ", the last ended ", .note_unit = CT_FUSE_NOTE_MS,	\
	  .note_end = " ms after the exec",				\
	  .json_at = 19, .otlp_at = 17, .note_at = 15)			\
	/* requests not kept (a full store here, or the kernel's full	\
	 * in-flight map: CT_MAPFULL_FUSE): in no count or time */	\
	X(dropped, U64, .when = CT_FUSE_IF_SET, .json = "dropped",	\
	  .otlp = "coldtrace.fuse.dropped",				\
	  .note = "; ", .note_end = " not kept",			\
	  .note_when = CT_FUSE_IF_SET,					\
	  .json_at = 31, .otlp_at = 18, .note_at = 24)			\
	/* the bytes its layers fetched from their registry while it	\
	 * read (user/enrich/fuse.h), summed over the sampled ones */	\
	X(fetched_bytes, U64, .when = CT_FUSE_IF_FETCHED,		\
	  .json = "fetched_bytes",					\
	  .otlp = "coldtrace.fuse.fetched_bytes",			\
	  .note = "; ", .note_unit = CT_FUSE_NOTE_KIB,			\
	  .note_end = " KiB fetched", .note_when = CT_FUSE_IF_KNOWN,	\
	  .json_at = 21, .otlp_at = 21, .note_at = 21)			\
	/* of it, between samples where its reads (or, with none, its	\
	 * requests) all began before the end of ready, and all after	\
	 * it; the rest fell between samples around ready */		\
	X(fetched_by_ready_bytes, U64,					\
	  .when = CT_FUSE_IF_FETCHED | CT_FUSE_IF_READY,		\
	  .json = "fetched_by_ready_bytes",				\
	  .otlp = "coldtrace.fuse.fetched_by_ready_bytes",		\
	  .json_at = 22, .otlp_at = 22)					\
	X(fetched_after_ready_bytes, U64,				\
	  .when = CT_FUSE_IF_FETCHED | CT_FUSE_IF_READY,		\
	  .json = "fetched_after_ready_bytes",				\
	  .otlp = "coldtrace.fuse.fetched_after_ready_bytes",		\
	  .json_at = 23, .otlp_at = 23)					\
	/* its layers whose fetched bytes are known (CT_FETCHED_KNOWN) */\
	X(fetched_layers, U32, .when = CT_FUSE_IF_FETCHED,		\
	  .json = "fetched_layers",					\
	  .otlp = "coldtrace.fuse.fetched_layers",			\
	  .json_at = 24, .otlp_at = 24)					\
	/* and unknown (CT_FETCHED_UNKNOWN) */				\
	X(fetched_unknown, U32,						\
	  .when = CT_FUSE_IF_FETCHED | CT_FUSE_IF_SET,			\
	  .json = "fetched_unknown_layers",				\
	  .otlp = "coldtrace.fuse.fetched_unknown_layers",		\
	  .note = "; ", .note_end = " layers' fetched bytes unknown",	\
	  .note_when = CT_FUSE_IF_SET,					\
	  .json_at = 25, .otlp_at = 25, .note_at = 23)			\
	/* another container's requests fell between the same samples	\
	 * as some of its layers': the growth is theirs together */	\
	X(fetched_shared, FLAG,						\
	  .when = CT_FUSE_IF_FETCHED | CT_FUSE_IF_SET,			\
	  .json = "fetched_shared",					\
	  .otlp = "coldtrace.fuse.fetched_shared",			\
	  .note = " (shared)",						\
	  .note_when = CT_FUSE_IF_KNOWN | CT_FUSE_IF_SET,		\
	  .json_at = 26, .otlp_at = 26, .note_at = 22)

/*
 * The figures of each of its layers (struct ct_fuse_layer, an object
 * of the "fuse" record's "layers"): a table of the same rows, of that
 * struct, whose conditions are the layer's (its fetched bytes known)
 * and its use's (a ready phase).
 */
#define CT_FUSE_LAYER_FIGURES(X)					\
	X(requests, U64, .json = "requests", .json_at = 11)		\
	X(reads, U64, .json = "reads", .json_at = 12)			\
	X(read_bytes, U64, .json = "read_bytes", .json_at = 13)	\
	/* the union of its requests' intervals */			\
	X(wait_ns, U64, .json = "wait_ns", .json_at = 14)		\
	/* another container's requests fell between the same samples:	\
	 * the growth is theirs together */				\
	X(fetched_shared, FLAG, .when = CT_FUSE_IF_KNOWN | CT_FUSE_IF_SET,\
	  .json = "fetched_shared", .json_at = 24)			\
	/* what it fetched from its registry while it read */		\
	X(fetched_bytes, U64, .when = CT_FUSE_IF_KNOWN,		\
	  .json = "fetched_bytes", .json_at = 21)			\
	/* of it, between samples where its reads (or, with none, its	\
	 * requests) all began before the end of ready, and all after	\
	 * it; the rest fell between samples around ready		\
	 * (user/enrich/fuse.h) */					\
	X(fetched_by_ready_bytes, U64,					\
	  .when = CT_FUSE_IF_KNOWN | CT_FUSE_IF_READY,			\
	  .json = "fetched_by_ready_bytes", .json_at = 22)		\
	X(fetched_after_ready_bytes, U64,				\
	  .when = CT_FUSE_IF_KNOWN | CT_FUSE_IF_READY,			\
	  .json = "fetched_after_ready_bytes", .json_at = 23)

#define CT_FUSE_FIGURE_TYPE_U64	uint64_t
#define CT_FUSE_FIGURE_TYPE_U32	uint32_t
#define CT_FUSE_FIGURE_TYPE_FLAG	bool
/* Its field in struct ct_fuse_use. */
#define CT_FUSE_FIGURE_FIELD(field, kind, ...)				\
	CT_FUSE_FIGURE_TYPE_##kind field;

#define CT_FUSE_FIGURE_ENUM(field, kind, ...)	CT_FUSE_FIG_##field,
enum ct_fuse_figure { CT_FUSE_FIGURES(CT_FUSE_FIGURE_ENUM) CT_FUSE_FIG_MAX };
#undef CT_FUSE_FIGURE_ENUM

struct ct_fuse_use;
struct ct_fuse_layer;

/* A table of FUSE figures: its rows and their number. */
struct ct_fuse_figures {
	const struct ct_fuse_figure_row *rows;
	int n;
};

/* CT_FUSE_FIGURES' rows (of struct ct_fuse_use) and
 * CT_FUSE_LAYER_FIGURES' (of struct ct_fuse_layer) */
extern const struct ct_fuse_figures ct_fuse_use_figures;
extern const struct ct_fuse_figures ct_fuse_layer_figures;

/* The conditions of enum ct_fuse_figure_when but SET that hold for u,
 * and for its layer l. */
unsigned int ct_fuse_use_holds(const struct ct_fuse_use *u);
unsigned int ct_fuse_layer_holds(const struct ct_fuse_use *u,
				 const struct ct_fuse_layer *l);
/* r's value in base (the struct of r's table), widened. */
uint64_t ct_fuse_figure_value(const struct ct_fuse_figure_row *r,
			      const void *base);
/*
 * The rows of t in group (1..9) of out said of base, where holds hold
 * (ct_fuse_*_holds()), in their order, into set[]; their number.
 */
int ct_fuse_figures_said(const struct ct_fuse_figures *t, const void *base,
			 unsigned int holds, enum ct_figure_out out,
			 unsigned int group,
			 const struct ct_fuse_figure_row *set[CT_FUSE_FIG_MAX]);

#endif /* __CT_FIGURES_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Go's line table, read as Go's debug/gosym reads it (its layout for
 * Go 1.18 and later: runtime/symtab.go, cmd/link/internal/ld/pcln.go):
 *
 *   header: magic u32, 0, 0, pc quantum u8, pointer size u8, then words:
 *           nfunc, nfiles, text start, and the offsets from the header
 *           of funcnametab, cutab, filetab, pctab and functab
 *   functab: nfunc (entry offset from text, _func offset) pairs of u32
 *           and the end's entry offset; a _func's u32 fields: entry
 *           offset, name offset, args, deferreturn, pcsp, pcfile, pcln,
 *           npcdata, cu offset, ...
 *   pctab:  per function and table, (value delta zig-zag varint, pc
 *           delta varint times the quantum) steps from the entry, value
 *           -1 first; a zero value delta past the first step ends it
 *   cutab:  per compilation unit, the filetab offsets of its files
 *
 * Every read goes through span_*(), which checks it against the table.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gosym.h"

#define MAGIC_118	0xfffffff0u	/* Go 1.18, 1.19 */
#define MAGIC_120	0xfffffff1u	/* Go 1.20 and later */
#define HEADER_LEN	72		/* 8 bytes, then 8 words of 8 */
#define FUNC_LEN	36		/* the _func fields read, to cu offset */
#define MAX_FUNCS	(1u << 24)

/* Bytes of the file, bounds-checked. */
struct span {
	const uint8_t *p;
	uint64_t n;
};

struct ct_gosym {
	void *map;
	size_t size;
	struct span funcnames, cutab, filetab, pctab, functab;
	uint64_t text;		/* the text start the entry offsets count from */
	uint32_t nfunc;
	uint32_t quantum;
	uint32_t magic;
};

/* ---- bounded reads ---- */

static bool span_u32(struct span s, uint64_t off, uint32_t *v)
{
	if (off > s.n || s.n - off < 4)
		return false;
	memcpy(v, s.p + off, 4);	/* little endian only (ct_gosym_open) */
	return true;
}

static bool span_u64(struct span s, uint64_t off, uint64_t *v)
{
	if (off > s.n || s.n - off < 8)
		return false;
	memcpy(v, s.p + off, 8);
	return true;
}

/* The NUL-terminated string at off, or NULL if it runs past s. */
static const char *span_str(struct span s, uint64_t off)
{
	if (off >= s.n || !memchr(s.p + off, '\0', s.n - off))
		return NULL;
	return (const char *)s.p + off;
}

/* s from off to its end (empty past it). */
static struct span span_from(struct span s, uint64_t off)
{
	struct span r = { s.p + (off < s.n ? off : s.n), 0 };

	r.n = off < s.n ? s.n - off : 0;
	return r;
}

/* An unsigned varint of at most 32 bits at *pos, which moves past it. */
static bool span_varint(struct span s, uint64_t *pos, uint32_t *v)
{
	uint32_t r = 0;

	for (unsigned shift = 0; shift < 35 && *pos < s.n; shift += 7) {
		uint8_t b = s.p[(*pos)++];

		r |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return true;
		}
	}
	return false;
}

/* ---- the ELF file ---- */

static const Elf64_Ehdr *elf_header(const struct ct_gosym *g)
{
	const Elf64_Ehdr *eh = g->map;

	if (g->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > g->size ||
	    (g->size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum ||
	    eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	return eh;
}

/* The section headers (elf_header() checked them). */
static const Elf64_Shdr *sections(const struct ct_gosym *g)
{
	const Elf64_Ehdr *eh = g->map;

	return (const void *)((const uint8_t *)g->map + eh->e_shoff);
}

/* The file's bytes of section sh (empty if it has none in the file). */
static struct span section_bytes(const struct ct_gosym *g,
				 const Elf64_Shdr *sh)
{
	struct span s = { g->map, 0 };

	if (sh->sh_type == SHT_NOBITS || sh->sh_offset > g->size ||
	    g->size - sh->sh_offset < sh->sh_size)
		return s;
	s.p = (const uint8_t *)g->map + sh->sh_offset;
	s.n = sh->sh_size;
	return s;
}

/* The section named name, or NULL (elf_header() checked the table). */
static const Elf64_Shdr *section(const struct ct_gosym *g, const char *name)
{
	const Elf64_Ehdr *eh = g->map;
	const Elf64_Shdr *sh = sections(g);
	struct span names = section_bytes(g, &sh[eh->e_shstrndx]);

	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const char *n = span_str(names, sh[i].sh_name);

		if (n && !strcmp(n, name))
			return &sh[i];
	}
	return NULL;
}

/* .rela.dyn's entries (a PIE's relocations), or an empty span. */
static struct span dyn_relocs(const struct ct_gosym *g)
{
	const Elf64_Shdr *sh = section(g, ".rela.dyn");
	struct span s = { g->map, 0 };

	return sh && sh->sh_type == SHT_RELA ? section_bytes(g, sh) : s;
}

/* Entry i of relocs if it is a relative one (the loader writes the
 * load address plus its addend at its offset). */
static bool relative_reloc(const struct ct_gosym *g, struct span relocs,
			   uint64_t i, Elf64_Rela *r)
{
	const Elf64_Ehdr *eh = g->map;
	uint32_t rel = eh->e_machine == EM_AARCH64 ? R_AARCH64_RELATIVE :
		       R_X86_64_RELATIVE;

	memcpy(r, relocs.p + i * sizeof(*r), sizeof(*r));
	return ELF64_R_TYPE(r->r_info) == rel;
}

/*
 * The word a running process has at vaddr (a file address): a PIE's
 * relocated pointer (its relocation's addend), else the file's bytes of
 * the section that holds it.
 */
static bool word_at(const struct ct_gosym *g, uint64_t vaddr, uint64_t *v)
{
	const Elf64_Ehdr *eh = g->map;
	const Elf64_Shdr *sh = sections(g);
	struct span relocs = dyn_relocs(g);
	Elf64_Rela r;

	for (uint64_t i = 0; i < relocs.n / sizeof(r); i++)
		if (relative_reloc(g, relocs, i, &r) && r.r_offset == vaddr) {
			*v = (uint64_t)r.r_addend;
			return true;
		}
	for (unsigned i = 0; i < eh->e_shnum; i++)
		if ((sh[i].sh_flags & SHF_ALLOC) && vaddr >= sh[i].sh_addr &&
		    vaddr - sh[i].sh_addr < sh[i].sh_size)
			return span_u64(section_bytes(g, &sh[i]),
					 vaddr - sh[i].sh_addr, v);
	return false;
}

/*
 * The runtime's own record of the table (runtime.firstmoduledata, Go
 * 1.18 to 1.27 alike: the table's address, then the funcnametab slice,
 * five more slices, findfunctab, minpc, maxpc, text) at vaddr: its text
 * start into *text if it points at this table's header and names.
 */
#define MD_NAMES	8
#define MD_TEXT		(8 + 6 * 24 + 3 * 8)

static bool moduledata_at(const struct ct_gosym *g, uint64_t vaddr,
			  uint64_t names, uint64_t *text)
{
	uint64_t v;

	return word_at(g, vaddr + MD_NAMES, &v) && v == names &&
	       word_at(g, vaddr + MD_TEXT, text) && *text;
}

/*
 * The text start the entry offsets count from: runtime.text, which is
 * not .text's start when C code comes first (cgo), and which the header
 * holds only before Go 1.26 (unrelocated in a PIE): read from the
 * moduledata that points at the table at vaddr, whose names are at
 * names; found among a PIE's relocations or the data's words.
 */
static bool text_start(const struct ct_gosym *g, uint64_t vaddr,
		       uint64_t names, uint64_t *text)
{
	const Elf64_Ehdr *eh = g->map;
	const Elf64_Shdr *sh = sections(g);
	struct span relocs = dyn_relocs(g);
	Elf64_Rela r;

	for (uint64_t i = 0; i < relocs.n / sizeof(r); i++)
		if (relative_reloc(g, relocs, i, &r) &&
		    (uint64_t)r.r_addend == vaddr &&
		    moduledata_at(g, r.r_offset, names, text))
			return true;
	/* .noptrdata before Go 1.26, .go.module since: any written data */
	for (unsigned k = 0; k < eh->e_shnum; k++) {
		struct span s = section_bytes(g, &sh[k]);

		if ((sh[k].sh_flags & (SHF_ALLOC | SHF_WRITE)) !=
		    (SHF_ALLOC | SHF_WRITE))
			continue;
		for (uint64_t off = 0; s.n >= 8 && off <= s.n - 8; off += 8) {
			uint64_t v;

			memcpy(&v, s.p + off, 8);
			if (v == vaddr &&
			    moduledata_at(g, sh[k].sh_addr + off, names, text))
				return true;
		}
	}
	return false;
}

/* ---- the table ---- */

/* The i-th word of a header whose pointers are 8 bytes. */
static uint64_t header_word(struct span h, unsigned i)
{
	uint64_t v = 0;

	span_u64(h, 8 + 8 * (uint64_t)i, &v);
	return v;
}

/* Entry offsets from the text start rise (the binary search's ground). */
static bool functab_sorted(const struct ct_gosym *g)
{
	uint32_t prev = 0, v;

	for (uint64_t i = 0; i <= g->nfunc; i++) {
		if (!span_u32(g->functab, 8 * i, &v) || v < prev)
			return false;
		prev = v;
	}
	return true;
}

/*
 * The table whose header is at the start of t (at vaddr in the file's
 * addresses), into g: 0, -EPROTONOSUPPORT for another layout, -ENOENT
 * for bytes that are no table.
 */
static int read_table(struct ct_gosym *g, struct span t, uint64_t vaddr)
{
	uint64_t off[5];

	if (!span_u32(t, 0, &g->magic) || t.n < HEADER_LEN)
		return -ENOENT;
	if (g->magic != MAGIC_118 && g->magic != MAGIC_120)
		return (g->magic & 0xfffffff0u) == 0xfffffff0u ?
		       -EPROTONOSUPPORT : -ENOENT;
	g->quantum = t.p[6];
	if (t.p[4] || t.p[5] || t.p[7] != 8 ||
	    (g->quantum != 1 && g->quantum != 2 && g->quantum != 4))
		return -EPROTONOSUPPORT;
	if (!header_word(t, 0) || header_word(t, 0) >= MAX_FUNCS)
		return -ENOENT;
	g->nfunc = (uint32_t)header_word(t, 0);
	for (unsigned i = 0; i < 5; i++) {
		off[i] = header_word(t, 3 + i);
		if (off[i] < HEADER_LEN || off[i] >= t.n)
			return -ENOENT;
	}
	g->funcnames = span_from(t, off[0]);
	g->cutab = span_from(t, off[1]);
	g->filetab = span_from(t, off[2]);
	g->pctab = span_from(t, off[3]);
	g->functab = span_from(t, off[4]);
	if (!functab_sorted(g))
		return -ENOENT;
	return text_start(g, vaddr, vaddr + off[0], &g->text) ? 0 :
	       -EPROTONOSUPPORT;
}

/*
 * A PIE linked externally keeps the table inside .data.rel.ro, without
 * a section of its own: the first place there, 8-byte aligned, where a
 * table reads whole.
 */
static int find_in_relro(struct ct_gosym *g)
{
	const Elf64_Shdr *sh = section(g, ".data.rel.ro");
	struct span s;
	int rc = -ENOENT;

	if (!sh)
		return -ENOENT;
	s = section_bytes(g, sh);
	for (uint64_t off = 0; s.n - off >= HEADER_LEN; off += 8) {
		uint32_t m = 0;
		int r;

		/* 0xfffffffX: Go's tables' magics, known here or not */
		if (!span_u32(s, off, &m) || (m & 0xfffffff0u) != 0xfffffff0u)
			continue;
		r = read_table(g, span_from(s, off), sh->sh_addr + off);
		if (!r)
			return 0;
		rc = r == -EPROTONOSUPPORT ? r : rc;
	}
	return rc;
}

static int find_table(struct ct_gosym *g)
{
	const Elf64_Shdr *sh = section(g, ".gopclntab");

	if (sh)
		return read_table(g, section_bytes(g, sh), sh->sh_addr);
	return find_in_relro(g);
}

static int map_file(struct ct_gosym *g, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		rc = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr))
		rc = -ENOEXEC;
	if (!rc) {
		g->map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		g->size = st.st_size;
		if (g->map == MAP_FAILED) {
			g->map = NULL;
			rc = -errno;
		}
	}
	close(fd);
	return rc;
}

int ct_gosym_open(const char *path, struct ct_gosym **out)
{
	struct ct_gosym *g = calloc(1, sizeof(*g));
	int rc;

	*out = NULL;
	if (!g)
		return -ENOMEM;
	rc = map_file(g, path);
	if (!rc && !elf_header(g))
		rc = -ENOEXEC;
	if (!rc)
		rc = find_table(g);
	if (rc) {
		ct_gosym_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

void ct_gosym_free(struct ct_gosym *g)
{
	if (!g)
		return;
	if (g->map)
		munmap(g->map, g->size);
	free(g);
}

const char *ct_gosym_layout(const struct ct_gosym *g)
{
	return g->magic == MAGIC_118 ? "go1.18" : "go1.20";
}

uint64_t ct_gosym_text(const struct ct_gosym *g)
{
	return g->text;
}

/*
 * The LOAD segment that holds x, a file offset (by_off) or a virtual
 * address, in the file's own bytes; NULL if none.
 */
static const Elf64_Phdr *load_of(const struct ct_gosym *g, uint64_t x,
				 bool by_off)
{
	const Elf64_Ehdr *eh = g->map;
	const Elf64_Phdr *ph;

	if (eh->e_phentsize != sizeof(*ph) || eh->e_phoff > g->size ||
	    (g->size - eh->e_phoff) / sizeof(*ph) < eh->e_phnum)
		return NULL;
	ph = (const Elf64_Phdr *)((const char *)g->map + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		uint64_t base = by_off ? ph[i].p_offset : ph[i].p_vaddr;

		if (ph[i].p_type == PT_LOAD && x >= base &&
		    x - base < ph[i].p_filesz)
			return &ph[i];
	}
	return NULL;
}

int ct_gosym_vaddr(const struct ct_gosym *g, uint64_t off, uint64_t *vaddr)
{
	const Elf64_Phdr *ph = load_of(g, off, true);

	if (!ph)
		return -ENOENT;
	*vaddr = off - ph->p_offset + ph->p_vaddr;
	return 0;
}

int ct_gosym_offset(const struct ct_gosym *g, uint64_t vaddr, uint64_t *off)
{
	const Elf64_Phdr *ph = load_of(g, vaddr, false);

	if (!ph)
		return -ENOENT;
	*off = vaddr - ph->p_vaddr + ph->p_offset;
	return 0;
}

/* ---- lookups ---- */

/* Function i's entry offset from the text start (i == nfunc: the end). */
static uint32_t entry_off(const struct ct_gosym *g, uint32_t i)
{
	uint32_t v = 0;

	span_u32(g->functab, 8 * (uint64_t)i, &v);
	return v;
}

/* The function whose code holds offset off from the text start. */
static bool find_func(const struct ct_gosym *g, uint64_t off, uint32_t *i)
{
	uint32_t lo = 0, hi = g->nfunc;

	if (off < entry_off(g, 0) || off >= entry_off(g, g->nfunc))
		return false;
	while (hi - lo > 1) {	/* entry(lo) <= off < entry(hi) */
		uint32_t mid = lo + (hi - lo) / 2;

		if (entry_off(g, mid) <= off)
			lo = mid;
		else
			hi = mid;
	}
	*i = lo;
	return true;
}

/* Field k (u32) of function i's _func. */
static bool func_field(const struct ct_gosym *g, uint32_t i, unsigned k,
		       uint32_t *v)
{
	uint32_t at;

	return span_u32(g->functab, 8 * (uint64_t)i + 4, &at) &&
	       (uint64_t)at + FUNC_LEN <= g->functab.n &&
	       span_u32(g->functab, (uint64_t)at + 4 * k, v);
}

enum { F_NAME = 1, F_PCFILE = 5, F_PCLN = 6, F_CU = 8 };

/* The value of pctab's table at off for target, the function's code
 * beginning at entry; -1 if not known. */
static int32_t pcvalue(const struct ct_gosym *g, uint32_t off, uint64_t entry,
		       uint64_t target)
{
	uint64_t pos = off, pc = entry;
	int32_t val = -1;

	if (!off)
		return -1;
	for (;;) {
		uint32_t uv, pcd;
		bool first = pc == entry;

		if (!span_varint(g->pctab, &pos, &uv) || (!uv && !first) ||
		    !span_varint(g->pctab, &pos, &pcd))
			return -1;
		val += (int32_t)(uv & 1 ? ~(uv >> 1) : uv >> 1);
		pc += (uint64_t)pcd * g->quantum;
		if (target < pc)
			return val;
	}
}

/* The file of function i at pc, or NULL. */
static const char *file_at(const struct ct_gosym *g, uint32_t i,
			   uint64_t entry, uint64_t pc)
{
	uint32_t pcfile, cu, name;
	int32_t fno;

	if (!func_field(g, i, F_PCFILE, &pcfile) ||
	    !func_field(g, i, F_CU, &cu))
		return NULL;
	fno = pcvalue(g, pcfile, entry, pc);
	if (fno < 0 || !span_u32(g->cutab, 4 * ((uint64_t)cu + fno), &name) ||
	    name == UINT32_MAX)
		return NULL;
	return span_str(g->filetab, name);
}

static const char *func_name(const struct ct_gosym *g, uint32_t i)
{
	uint32_t off;

	return func_field(g, i, F_NAME, &off) ?
	       span_str(g->funcnames, off) : NULL;
}

int ct_gosym_pc(const struct ct_gosym *g, uint64_t pc,
		struct ct_gosym_line *out)
{
	uint32_t i, pcln;
	int32_t line;

	memset(out, 0, sizeof(*out));
	if (pc < g->text || !find_func(g, pc - g->text, &i))
		return -ENOENT;
	out->func = func_name(g, i);
	if (!out->func)
		return -ENOENT;
	out->entry = g->text + entry_off(g, i);
	out->file = file_at(g, i, out->entry, pc);
	line = func_field(g, i, F_PCLN, &pcln) ?
	       pcvalue(g, pcln, out->entry, pc) : -1;
	out->line = line > 0 ? line : 0;
	return 0;
}

/* Whether name ends with suffix. */
static bool ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n >= k && !strcmp(name + n - k, suffix);
}

int ct_gosym_func(const struct ct_gosym *g, const char *name, uint64_t *entry,
		  uint64_t *end)
{
	for (uint32_t i = 0; i < g->nfunc; i++) {
		const char *n = func_name(g, i);

		if (n && !strcmp(n, name)) {
			*entry = g->text + entry_off(g, i);
			*end = g->text + entry_off(g, i + 1);
			return 0;
		}
	}
	return -ENOENT;
}

size_t ct_gosym_funcs_ending(const struct ct_gosym *g, const char *suffix,
			     uint64_t *entries, size_t max)
{
	size_t n = 0;

	for (uint32_t i = 0; i < g->nfunc; i++) {
		const char *name = func_name(g, i);

		if (!name || !ends_with(name, suffix))
			continue;
		if (n < max)
			entries[n] = g->text + entry_off(g, i);
		n++;
	}
	return n;
}

/* ---- a file's build id ---- */

size_t ct_elf_build_id(int fd, uint8_t *id, size_t max)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint8_t note[4096];
	size_t got = 0;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phnum > 64)
		return 0;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		ssize_t len;

		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) !=
		    (ssize_t)sizeof(ph) || ph.p_type != PT_NOTE)
			continue;
		len = pread(fd, note, ph.p_filesz < sizeof(note) ?
			    ph.p_filesz : sizeof(note), ph.p_offset);
		for (size_t o = 0; len > 0 && o + 12 <= (size_t)len;) {
			Elf64_Nhdr n;
			const size_t name = sizeof(n);
			size_t desc;

			memcpy(&n, note + o, sizeof(n));
			desc = name + ((n.n_namesz + 3) & ~3u);
			if (o + desc + n.n_descsz > (size_t)len)
				break;
			if ((n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 &&
			     !memcmp(note + o + name, "GNU", 4)) ||
			    (n.n_type == 4 && n.n_namesz == 4 && !got &&
			     !memcmp(note + o + name, "Go\0", 4))) {
				got = n.n_descsz < max ? n.n_descsz : max;
				memcpy(id, note + o + desc, got);
				if (n.n_type == NT_GNU_BUILD_ID)
					return got;
			}
			o += desc + ((n.n_descsz + 3) & ~3u);
		}
	}
	return got;
}

void ct_elf_describe(int fd, const char *path, char *out, size_t len)
{
	uint8_t id[CT_BUILD_ID_MAX];
	size_t n = ct_elf_build_id(fd, id, sizeof(id));
	char hex[2 * CT_BUILD_ID_MAX + 1] = "none";
	char real[PATH_MAX];
	ssize_t pl = readlink(path, real, sizeof(real) - 1);

	real[pl > 0 ? pl : 0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	snprintf(out, len, "%s (build id %s)", pl > 0 ? real : path, hex);
}

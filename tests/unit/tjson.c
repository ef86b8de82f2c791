// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Test helper: strict JSON parser (see tjson.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tjson.h"
#include "json.h"

struct tp {
	const char *s;
	size_t i, len;
	char *err;
	size_t errlen;
	int depth;
};

static struct tj *parse_value(struct tp *p);

static void *perr(struct tp *p, const char *what)
{
	if (p->err && !p->err[0])
		snprintf(p->err, p->errlen, "%s at offset %zu", what, p->i);
	return NULL;
}

static void skip_ws(struct tp *p)
{
	while (p->i < p->len && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i])
		p->i++;
}

static struct tj *node(enum tj_type t)
{
	struct tj *v = calloc(1, sizeof(*v));

	v->type = t;
	return v;
}

static bool add_item(struct tj *v, char *key, struct tj *item)
{
	v->items = realloc(v->items, (v->n + 1) * sizeof(*v->items));
	v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
	v->items[v->n] = item;
	v->keys[v->n] = key;
	v->n++;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool read_hex4(struct tp *p, unsigned *cp)
{
	int k, h;

	*cp = 0;
	if (p->i + 4 > p->len)
		return false;
	for (k = 0; k < 4; k++) {
		h = hexval(p->s[p->i++]);
		if (h < 0)
			return false;
		*cp = *cp * 16 + h;
	}
	return true;
}

static void put_utf8(char *out, size_t *o, unsigned cp)
{
	if (cp < 0x80) {
		out[(*o)++] = cp;
	} else if (cp < 0x800) {
		out[(*o)++] = 0xc0 | (cp >> 6);
		out[(*o)++] = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		out[(*o)++] = 0xe0 | (cp >> 12);
		out[(*o)++] = 0x80 | ((cp >> 6) & 0x3f);
		out[(*o)++] = 0x80 | (cp & 0x3f);
	} else {
		out[(*o)++] = 0xf0 | (cp >> 18);
		out[(*o)++] = 0x80 | ((cp >> 12) & 0x3f);
		out[(*o)++] = 0x80 | ((cp >> 6) & 0x3f);
		out[(*o)++] = 0x80 | (cp & 0x3f);
	}
}

static bool parse_escape(struct tp *p, char *out, size_t *o)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	unsigned cp, lo;

	if (p->i >= p->len)
		return false;
	e = strchr(from, p->s[p->i]);
	if (e && *e) {
		out[(*o)++] = to[e - from];
		p->i++;
		return true;
	}
	if (p->s[p->i++] != 'u' || !read_hex4(p, &cp))
		return false;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p->i + 2 > p->len || p->s[p->i] != '\\' ||
		    p->s[p->i + 1] != 'u')
			return false;
		p->i += 2;
		if (!read_hex4(p, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return false;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc00 && cp <= 0xdfff) {
		return false;
	}
	put_utf8(out, o, cp);
	return true;
}

static char *parse_string(struct tp *p)
{
	char *out = malloc(p->len - p->i + 8);
	size_t o = 0, sl;

	p->i++;	/* opening quote */
	while (p->i < p->len && p->s[p->i] != '"') {
		unsigned char c = p->s[p->i];

		if (c < 0x20)
			goto bad;	/* raw control char */
		if (c == '\\') {
			p->i++;
			if (!parse_escape(p, out, &o))
				goto bad;
			continue;
		}
		sl = ct_utf8_seq_len((const unsigned char *)p->s + p->i,
				     p->len - p->i);
		if (!sl)
			goto bad;	/* output must be valid UTF-8 */
		memcpy(out + o, p->s + p->i, sl);
		o += sl;
		p->i += sl;
	}
	if (p->i >= p->len)
		goto bad;
	p->i++;
	out[o] = '\0';
	return out;
bad:
	free(out);
	return perr(p, "bad string");
}

static bool is_digit(struct tp *p)
{
	return p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

static struct tj *parse_number(struct tp *p)
{
	size_t st = p->i;
	struct tj *v;

	if (p->s[p->i] == '-')
		p->i++;
	if (!is_digit(p))
		return perr(p, "bad number");
	if (p->s[p->i] == '0')
		p->i++;
	else
		while (is_digit(p))
			p->i++;
	if (p->i < p->len && p->s[p->i] == '.') {
		p->i++;
		if (!is_digit(p))
			return perr(p, "bad fraction");
		while (is_digit(p))
			p->i++;
	}
	if (p->i < p->len && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->len && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!is_digit(p))
			return perr(p, "bad exponent");
		while (is_digit(p))
			p->i++;
	}
	v = node(TJ_NUM);
	v->text = strndup(p->s + st, p->i - st);
	return v;
}

static struct tj *parse_container(struct tp *p, bool obj)
{
	struct tj *v = node(obj ? TJ_OBJ : TJ_ARR), *item;
	char *key = NULL;

	if (++p->depth > 64)
		goto bad;
	p->i++;
	skip_ws(p);
	if (p->i < p->len && p->s[p->i] == (obj ? '}' : ']')) {
		p->i++;
		p->depth--;
		return v;
	}
	for (;;) {
		skip_ws(p);
		if (obj) {
			if (p->i >= p->len || p->s[p->i] != '"')
				goto bad;
			key = parse_string(p);
			if (!key)
				goto bad;
			skip_ws(p);
			if (p->i >= p->len || p->s[p->i++] != ':')
				goto bad;
		}
		item = parse_value(p);
		if (!item)
			goto bad;
		add_item(v, key, item);
		key = NULL;
		skip_ws(p);
		if (p->i < p->len && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->len && p->s[p->i] == (obj ? '}' : ']')) {
			p->i++;
			p->depth--;
			return v;
		}
		goto bad;
	}
bad:
	free(key);
	tj_free(v);
	return perr(p, obj ? "bad object" : "bad array");
}

static struct tj *parse_word(struct tp *p, const char *w, struct tj *v)
{
	size_t n = strlen(w);

	if (p->len - p->i < n || memcmp(p->s + p->i, w, n)) {
		tj_free(v);
		return perr(p, "bad literal");
	}
	p->i += n;
	return v;
}

static struct tj *parse_value(struct tp *p)
{
	struct tj *v;
	char c;

	skip_ws(p);
	if (p->i >= p->len)
		return perr(p, "unexpected end");
	c = p->s[p->i];
	if (c == '{' || c == '[')
		return parse_container(p, c == '{');
	if (c == '"') {
		char *s = parse_string(p);

		if (!s)
			return NULL;
		v = node(TJ_STR);
		v->text = s;
		return v;
	}
	if (c == 't' || c == 'f') {
		v = node(TJ_BOOL);
		v->b = c == 't';
		return parse_word(p, v->b ? "true" : "false", v);
	}
	if (c == 'n')
		return parse_word(p, "null", node(TJ_NULL));
	return parse_number(p);
}

struct tj *tj_parse(const char *s, size_t len, char *err, size_t errlen)
{
	struct tp p = { .s = s, .len = len, .err = err, .errlen = errlen };
	struct tj *v;

	if (err && errlen)
		err[0] = '\0';
	v = parse_value(&p);
	if (!v)
		return NULL;
	skip_ws(&p);
	if (p.i != len) {
		tj_free(v);
		return perr(&p, "trailing data");
	}
	return v;
}

void tj_free(struct tj *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		tj_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->text);
	free(v);
}

static const struct tj *child(const struct tj *v, const char *seg, size_t n)
{
	char buf[256], *end;
	size_t i;
	unsigned long idx;

	if (n >= sizeof(buf))
		return NULL;
	memcpy(buf, seg, n);
	buf[n] = '\0';
	if (v->type == TJ_OBJ) {
		for (i = 0; i < v->n; i++)
			if (!strcmp(v->keys[i], buf))
				return v->items[i];
		return NULL;
	}
	if (v->type != TJ_ARR)
		return NULL;
	idx = strtoul(buf, &end, 10);
	return *end || idx >= v->n ? NULL : v->items[idx];
}

const struct tj *tj_get(const struct tj *v, const char *path)
{
	const char *seg = path, *dot;

	while (v && seg && *seg) {
		dot = strchr(seg, '.');
		v = child(v, seg, dot ? (size_t)(dot - seg) : strlen(seg));
		seg = dot ? dot + 1 : NULL;
	}
	return v;
}

bool tj_u64(const struct tj *v, const char *path, uint64_t *out)
{
	const struct tj *x = tj_get(v, path);
	char *end;

	if (!x || x->type != TJ_NUM || x->text[0] == '-')
		return false;
	*out = strtoull(x->text, &end, 10);
	return *end == '\0';
}

bool tj_num(const struct tj *v, const char *path, double *out)
{
	const struct tj *x = tj_get(v, path);

	if (!x || x->type != TJ_NUM)
		return false;
	*out = strtod(x->text, NULL);
	return true;
}

const char *tj_str(const struct tj *v, const char *path)
{
	const struct tj *x = tj_get(v, path);

	return x && x->type == TJ_STR ? x->text : NULL;
}

bool tj_is(const struct tj *v, const char *path, enum tj_type t)
{
	const struct tj *x = tj_get(v, path);

	return x && x->type == t;
}

char *tj_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

const struct tj *tj_otlp_attr(const struct tj *s, const char *key)
{
	const struct tj *as = tj_get(s, "attributes");

	for (size_t i = 0; as && i < as->n; i++)
		if (!strcmp(tj_str(as->items[i], "key"), key))
			return tj_get(as->items[i], "value");
	return NULL;
}

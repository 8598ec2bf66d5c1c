/* Internal: the one check of the version field that starts every public
 * options struct, and the copy that lets a library read a struct made by
 * a program built against older headers.
 *
 * How options grow (the ABI rule of common.h): the version field comes
 * first, new fields go at the end and bump the version; the library
 * accepts every version from 1 to the current one. An older caller's
 * struct is shorter, so the library never reads it past what its version
 * had: it copies that prefix over a current struct holding the defaults
 * (wp_options_copy) and reads the copy. */
#ifndef WP_OPTIONS_H
#define WP_OPTIONS_H

#include <stddef.h>

/* 0 when 1 <= version <= current; else WASMPACK_EINVALID, reason
 * WASMPACK_REASON_INVALID_ARGUMENT, "unknown WHAT options version V (this
 * library reads 1 to CURRENT)". what is e.g. "transfer". */
int wp_options_check(unsigned version, unsigned current, const char *what);

/* Checks `src`'s version (its first member, an unsigned) as
 * wp_options_check does, then copies the first sizes[version - 1] bytes
 * of src over dst, a current struct of dst_size bytes that already holds
 * the defaults. sizes[i] is the size of the struct at version i + 1 (the
 * offset of the first field version i + 2 added); the last is dst_size.
 * A NULL src leaves dst as it is. */
int wp_options_copy(void *dst, size_t dst_size, const void *src, const size_t *sizes,
		    unsigned current, const char *what);

/* For wasmpack_*_options_init: checks version, then writes the first
 * sizes[version - 1] bytes of template (the current *_INIT) to opts, so a
 * struct of an older version is never written past its end, and sets its
 * version field to `version`. */
int wp_options_init(void *opts, unsigned version, const void *template, const size_t *sizes,
		    unsigned current, const char *what);

#endif

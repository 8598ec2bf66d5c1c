/* Internal: what an import reaches and the capability policy (deny and
 * allow), shared by build (which checks a module before it stores
 * anything) and pull (which checks the module of an image before it tags
 * it), so both refuse alike. */
#ifndef WP_WASM_POLICY_H
#define WP_WASM_POLICY_H

#include "wasmpack/wasm.h"

/* The WASMPACK_CAP_* bit one import reaches, or 0 (imports.c holds the
 * table): a preview 1 function, a wasi: or other known interface or
 * namespace; WASMPACK_CAP_HOST for any other import that calls. */
unsigned wp_wasm_import_capability(const wasmpack_wasm_extern *import);

/* The WASI version an import belongs to: PREVIEW1 for
 * wasi_snapshot_preview1 and wasi_unstable, PREVIEW2 for a wasi:
 * interface (imported by a component or, before componentization, by a
 * core module), else NONE. */
wasmpack_wasi_version wp_wasm_import_wasi(const wasmpack_wasm_extern *import);

/* 0 when w reaches none of the capabilities in deny and, when allow is
 * not 0, none outside allow (WASMPACK_CAP_NOTHING alone allows none);
 * else WASMPACK_EPOLICY, reason WASMPACK_REASON_POLICY, with the message
 * "WHAT imports denied capabilities: network (wasi_snapshot_preview1
 * sock_accept), ..." naming each refused class and the first import that
 * reaches it (", which are not allowed" and the allowed list instead when
 * only allow refuses). what is e.g. "module 'app.wasm'". */
int wp_wasm_policy_check(const wasmpack_wasm *w, unsigned deny, unsigned allow, const char *what);

/* wasmpack_wasm_parse_file on an open descriptor (read with pread, never
 * moved nor closed); `what` names it in messages. */
int wp_wasm_parse_fd(wasmpack_wasm **out, int fd, const char *what);

#endif

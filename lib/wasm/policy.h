/* Internal: what an import reaches and the --deny policy, shared by build
 * (which checks a module before it stores anything) and pull (which checks
 * the module of an image before it tags it), so both refuse alike. */
#ifndef WP_WASM_POLICY_H
#define WP_WASM_POLICY_H

#include "wasmpack/wasm.h"

/* The WASMPACK_CAP_* bit one import reaches, or 0: a preview 1 function
 * of wasi_snapshot_preview1 (or wasi_unstable), or a wasi: interface
 * imported by a component or, before componentization, by a core module. */
unsigned wp_wasm_import_capability(const wasmpack_wasm_extern *import);

/* 0 when w reaches none of the capabilities in deny; else
 * WASMPACK_EPOLICY, reason WASMPACK_REASON_POLICY, with the message
 * "WHAT imports denied capabilities: network (wasi_snapshot_preview1
 * sock_accept), ..." naming each denied class and the first import that
 * reaches it. what is e.g. "module 'app.wasm'". */
int wp_wasm_deny_check(const wasmpack_wasm *w, unsigned deny, const char *what);

/* wasmpack_wasm_parse_file on an open descriptor (read with pread, never
 * moved nor closed); `what` names it in messages. */
int wp_wasm_parse_fd(wasmpack_wasm **out, int fd, const char *what);

#endif

;; Not WASI at all: a module whose only imports are functions of a host
;; wasmpack does not know (here Go's JavaScript host, as esbuild.wasm, and
;; an `env` function): class host. Its memory import is data and reaches
;; nothing.
(module
  (import "gojs" "syscall/js.valueCall" (func (param i32)))
  (import "gojs" "runtime.wasmExit" (func (param i32)))
  (import "env" "abort" (func))
  (import "env" "memory" (memory 1))
  (func (export "_start")))

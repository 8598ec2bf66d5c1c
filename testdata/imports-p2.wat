;; WASI 0.2 proposals imported by a core module before componentization
;; (the wasm32-wasip2 output): wasi:keyvalue storage, wasi:config
;; environment, wasi:nn inference, wasi:http/outgoing-handler network,
;; wasi:logging nothing outside the sandbox.
(module
  (import "wasi:keyvalue/store@0.2.0-draft" "open" (func (param i32 i32 i32)))
  (import "wasi:config/store@0.2.0-draft" "get" (func (param i32 i32 i32)))
  (import "wasi:nn/inference@0.2.0-rc-2024-10-28" "[method]graph-execution-context.compute"
    (func (param i32 i32)))
  (import "wasi:http/outgoing-handler@0.2.0" "handle" (func (param i32 i32 i32 i32)))
  (import "wasi:logging/logging" "log" (func (param i32 i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "_start")))

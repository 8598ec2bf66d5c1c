;; wasi-nn as WasmEdge and Wasmtime implement it for core modules
;; (wasi_ephemeral_nn), beside a preview 1 fd_write: class inference.
(module
  (import "wasi_ephemeral_nn" "load_by_name" (func (param i32 i32 i32) (result i32)))
  (import "wasi_ephemeral_nn" "compute" (func (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))

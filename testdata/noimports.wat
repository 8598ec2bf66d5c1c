;; A module that imports nothing: no WASI, no capabilities, not a command.
(module
  (memory (export "mem") 1)
  (global (export "answer") i32 (i32.const 42))
  (table (export "tbl") 1 funcref)
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1))))

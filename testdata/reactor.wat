;; A WASI reactor (exports _initialize, no _start) using the older
;; wasi_unstable module name: preview 1, random capability only.
(module
  (import "wasi_unstable" "random_get"
    (func $random_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $ready (mut i32) (i32.const 0))
  (func (export "_initialize")
    (global.set $ready (i32.const 1)))
  (func (export "roll") (result i32)
    (drop (call $random_get (i32.const 0) (i32.const 4)))
    (i32.load (i32.const 0))))

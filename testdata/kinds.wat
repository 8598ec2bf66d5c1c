;; Imports and exports of every core kind, with the limits forms of the
;; threads, memory64 and multi-memory proposals and a tag (exceptions).
(module
  (type $t (func (param i32)))
  (import "env" "f" (func $f (type $t)))
  (import "env" "table" (table 1 10 funcref))
  (import "env" "memory" (memory 1 2 shared))
  (import "env" "memory64" (memory i64 1))
  (import "env" "counter" (global $counter (mut i64)))
  (import "env" "ref" (global externref))
  (import "env" "oops" (tag $oops (param i32)))
  (func $g (export "g") (call $f (i32.const 1)))
  (export "table" (table 0))
  (export "memory" (memory 0))
  (export "counter" (global $counter))
  (export "oops" (tag $oops)))

;; A component importing and exporting one of each extern kind the reader
;; names (no values: those need the unfinished value feature), plus wasi:
;; interface names with versions. Compiled once by make-component.sh.
(component $kinds
  (import "wasi:random/random@0.2.0" (instance $random
    (export "get-random-u64" (func (result u64)))))
  (import "wasi:sockets/tcp@0.2.0" (instance))
  (import "log" (func $log (param "msg" string)))
  (import "handle" (type $handle (sub resource)))
  (import "plugin" (component $plugin))
  (import "blob" (core module $blob))
  (type $point (record (field "x" u32) (field "y" u32)))
  (import "point" (type $p (eq $point)))
  (export "log2" (func $log))
  (export "plugin2" (component $plugin))
  (export "blob2" (core module $blob))
  (export "random2" (instance $random))
  (export "handle2" (type $handle))
)

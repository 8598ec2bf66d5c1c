;; A WASI preview 1 command that imports sock_accept: the network capability.
(module
  (import "wasi_snapshot_preview1" "sock_accept"
    (func $sock_accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; accept on fd 3 if the host gave one; the result is ignored
    (drop (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 0)))))

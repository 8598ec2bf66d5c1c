;; WasmEdge's host APIs: the socket extension (sock_* functions added to
;; wasi_snapshot_preview1, second-state/wasmedge_wasi_socket) and the HTTPS
;; request plugin (wasmedge_httpsreq): class network.
(module
  (import "wasi_snapshot_preview1" "sock_open" (func (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_connect" (func (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_getaddrinfo"
    (func (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasmedge_httpsreq" "send_data" (func (param i32 i32 i32 i32 i32)))
  (import "wasmedge_httpsreq" "get_rcv" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")))

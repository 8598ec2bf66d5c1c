;; A Spin 1 module (wit-bindgen 0.2 imports, fermyon/spin wit/ephemeral):
;; outbound HTTP, Redis, PostgreSQL and MySQL are network, key-value and
;; sqlite storage, llm inference, spin-config environment.
(module
  (import "outbound-http" "send-request" (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "outbound-redis" "publish" (func (param i32 i32 i32 i32 i32 i32 i32)))
  (import "outbound-pg" "query" (func (param i32 i32 i32 i32 i32 i32 i32)))
  (import "outbound-mysql" "query" (func (param i32 i32 i32 i32 i32 i32 i32)))
  (import "key-value" "get" (func (param i32 i32 i32 i32)))
  (import "sqlite" "execute" (func (param i32 i32 i32 i32 i32 i32)))
  (import "llm" "infer" (func (param i32 i32 i32 i32 i32)))
  (import "spin-config" "get-config" (func (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "_start")))

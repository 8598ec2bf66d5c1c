;; A named module; add-metadata.mjs appends producers and the wasm-metadata
;; sections (authors, description, ...) after wat2wasm --debug-names.
(module $metadata_demo
  (func $run (export "run")))

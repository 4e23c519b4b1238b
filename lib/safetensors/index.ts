// torch.safetensors: Hugging Face's safetensors format (safetensors.torch's load_file, save_file,
// load, save and safe_open). An 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian data: no code, no pickle.
// header.ts checks the header as the Rust crate does; read.ts reads tensors straight from the
// file; save.ts writes atomically, as torch.save does.
export { load_file, load, safe_open, SafeOpen } from './load';
export type { LoadFileOptions } from './load';
export { save_file, save } from './save';
export type { TensorDict } from './save';
export { MAX_HEADER_SIZE } from './header';

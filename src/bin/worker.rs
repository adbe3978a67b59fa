//! The Web Worker binary: the engine on WebGPU (or Flex), driven by the UI's messages.

fn main() {
    anneal::worker::main();
}

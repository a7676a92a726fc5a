//! Compiles `proto/veza/server/v1/server.proto` with protox (pure Rust: no system `protoc`)
//! into tonic's server and client code, and writes its descriptor set for gRPC reflection.

use prost::Message;
use std::path::PathBuf;

const PROTO: &str = "proto/veza/server/v1/server.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={PROTO}");
    let fds = protox::compile([PROTO], ["proto"])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("veza_server_v1_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure().build_client(true).build_server(true).compile_fds(fds)?;
    Ok(())
}

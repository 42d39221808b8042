//! The `modsnap` binary: everything lives in the library; this only hands
//! control to [`modsnap::cli::main`] and turns its answer into an exit code.

fn main() -> std::process::ExitCode {
    modsnap::cli::main()
}

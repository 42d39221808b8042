//! Operations: one function per subcommand. Each takes a plain options
//! struct, does the work through the Go-concept modules, and returns data;
//! the CLI decides what to print.

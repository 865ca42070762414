//! `veille-corpus`: see [`veille_corpus::cli`].

fn main() -> anyhow::Result<()> {
    veille_corpus::cli::main(std::env::args_os())
}

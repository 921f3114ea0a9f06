fn main() {
    scale_dojo::start();
}

std::vector<double> magnitude2(const std::vector<std::complex<double>>& zs) {
    std::vector<double> out(zs.size());
    for (std::size_t i = 0; i < zs.size(); i++) out[i] = zs[i].real() * zs[i].real() + zs[i].imag() * zs[i].imag();
    return out;
}

//! The measurement behind `options::norm_pdf`'s stated error: 2·10^7 pseudo-random inputs
//! (half in [0, 2^-6), where φ ≈ 0.4 and every rounding counts, half in [0, 9)) against `f64`
//! (error ~6e-17 here). Run with `--release`; prints the largest error and where it occurs.

use rpv_core::{fixed_point::Fx, options::norm_pdf};

fn main() {
    let mut worst = (0f64, 0i128);
    let mut s = 0x1234_5678_9abc_def0u64;
    for i in 0..20_000_000u64 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let bits = if i % 2 == 0 { (s % (1u64 << 42)) as i128 } else { (s % (9u64 << 48)) as i128 };
        let x = Fx::from_bits(bits);
        let p = norm_pdf(x).expect("every input is accepted");
        let e = (p.to_num::<f64>() - rpv_fuzz::reference::pdf(x.to_num::<f64>())).abs();
        if e > worst.0 {
            worst = (e, bits);
        }
    }
    println!(
        "max |error| {:e} ({} units) at x = {} (bits {})",
        worst.0,
        worst.0 * 2f64.powi(48),
        Fx::from_bits(worst.1),
        worst.1
    );
}

//! `rpv-lab` — the vault off-chain: the market simulation and the lifecycle tour on an embedded
//! SVM, and the backtest over a price history. The operator CLI is `rpv` (app/cli).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use rpv_lab::{backtest, demo, market_demo, serve};

#[derive(Parser)]
#[command(name = "rpv-lab", version, about = "The risk-parity vault off-chain: demos and backtest")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The vault through 60 simulated days (calm, volatility spike, crash, recovery) on an
    /// embedded SVM with the keeper cranking it; prints a summary and writes SVG charts.
    Demo {
        /// The built program (build it with `cargo xtask build-sbf`) [default: $RPV_PROGRAM_SO,
        /// else target/deploy/rpv_vault.so].
        #[arg(long, value_name = "SO")]
        program: Option<PathBuf>,
        /// Where the charts go.
        #[arg(long, default_value = "target/demo")]
        out: PathBuf,
        /// Run the short instruction-by-instruction tour instead.
        #[arg(long)]
        lifecycle: bool,
        /// Hold an ETH put (a hedge of the ETH position) instead of the ETH call, with the
        /// default 5 % band: the risk contributions of a hedged book, and why its holdings
        /// cannot track the budgets finely.
        #[arg(long, conflicts_with = "lifecycle")]
        hedged: bool,
    },
    /// Runs the vault's engine (the core crate's EWMA covariance, inverse-vol or risk-budget
    /// weights, volatility targeting, bands, rebalancing caps and keeper incentive, fees) over
    /// a CSV of prices; writes weights.svg, risk_contributions.svg, volatility.svg, nav.svg and
    /// series.csv, and prints realised vs target volatility, drawdown, turnover, fees and
    /// keeper incentives.
    Backtest(BacktestArgs),
    /// Serves a complete vault (the sandbox's: SOL, BTC, ETH, 1,000,000 USDC) over JSON-RPC
    /// from an embedded SVM, for the web page: a funded depositor, the clock on wall time,
    /// fresh oracles. Writes the endpoint, the addresses and the depositor's keypair to FILE.
    Serve {
        /// The built program [default: $RPV_PROGRAM_SO, else target/deploy/rpv_vault.so].
        #[arg(long, value_name = "SO")]
        program: Option<PathBuf>,
        /// Port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 8899)]
        port: u16,
        /// Where the description (JSON) goes.
        #[arg(long, value_name = "FILE", default_value = "target/web/serve.json")]
        out: PathBuf,
        /// Also print the web page's address for this vault: URL with `?rpc=…&vault=…&labels=…`.
        #[arg(long, value_name = "URL")]
        page: Option<String>,
        /// Seconds between the keeper's ticks (refresh, weights, rebalances from its inventory,
        /// request settlements); 0: no keeper (the vault's NAV then moves only with flows).
        #[arg(long, value_name = "SECS", default_value_t = 10)]
        keeper_secs: u64,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Start {
    /// Hold the first refresh's targets.
    Target,
    /// All in the base asset, as a new vault.
    Cash,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Text,
    Json,
}

#[derive(clap::Args)]
struct BacktestArgs {
    /// A header `time,ASSET1,ASSET2,...`, then one row per time (unix seconds or YYYY-MM-DD)
    /// with positive prices in the base currency.
    #[arg(long, value_name = "FILE.csv")]
    prices: PathBuf,
    /// Where the charts and series.csv go.
    #[arg(long, value_name = "DIR", default_value = "backtest-out")]
    out: PathBuf,
    /// Takes [risk], [rebalance], [fees] and the assets' budgets (matched by symbol) from a
    /// vault configuration (default: the program's defaults, equal budgets).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Starting NAV in base tokens (default 1000000).
    #[arg(long, value_name = "AMOUNT")]
    capital: Option<String>,
    /// Begin at the first targets or all in the base asset.
    #[arg(long, value_enum, default_value = "target")]
    start: Start,
    /// Oracle confidence, basis points of the price.
    #[arg(long, value_name = "BPS", default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    conf_bps: u16,
    /// The buy-and-hold benchmark's weights, one per asset column (default: the budgets).
    #[arg(long, value_name = "W1,W2,...", value_delimiter = ',')]
    static_weights: Option<Vec<f64>>,
    /// Returns in the rolling realised volatility.
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u64).range(2..))]
    vol_window: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    output: Output,
    /// Same as `--output json`.
    #[arg(long, hide = true)]
    json: bool,
}

impl BacktestArgs {
    /// The backtest's parameters from the flags (and the optional configuration).
    fn params(&self, table: &backtest::PriceTable) -> Result<backtest::Params, String> {
        let n = table.names.len();
        let mut p = backtest::Params::defaults(n);
        if let Some(path) = &self.config {
            let m = rpv_cli::config::load_model(path)?;
            (p.risk, p.rebalance, p.fees) = (m.risk, m.rebalance, m.fees);
            if !m.budgets.is_empty() {
                let budgets = table
                    .names
                    .iter()
                    .map(|name| {
                        m.budgets.iter().find(|(s, _)| s == name).map(|b| b.1).ok_or_else(|| {
                            format!("the configuration has no asset `{name}` (its assets must match the CSV's columns)")
                        })
                    })
                    .collect::<Result<Vec<u64>, String>>()?;
                if m.budgets.len() != n {
                    return Err("the configuration's assets must match the CSV's columns".into());
                }
                p.static_weights = budgets.iter().map(|b| *b as f64 / 1e9).collect();
                p.budgets_ppb = budgets;
            }
        }
        if let Some(c) = &self.capital {
            p.capital = rpv_cli::cmd::parse_amount(c, backtest::BASE_DECIMALS, "--capital")?;
            if p.capital < 10u64.pow(u32::from(backtest::BASE_DECIMALS)) {
                return Err("--capital must be at least 1 base token".into());
            }
        }
        p.start_invested = self.start == Start::Target;
        p.conf_bps = self.conf_bps;
        if let Some(ws) = &self.static_weights {
            if ws.len() != n {
                return Err(format!("--static-weights needs {n} weights, one per asset column"));
            }
            if ws.iter().any(|w| !w.is_finite() || *w < 0.0) {
                return Err("--static-weights must be non-negative numbers".into());
            }
            let total: f64 = ws.iter().sum();
            if total <= 0.0 {
                return Err("--static-weights must not all be zero".into());
            }
            p.static_weights = ws.iter().map(|x| x / total).collect();
        }
        p.vol_window = self.vol_window as usize;
        Ok(p)
    }

    fn run(&self) -> Result<String, String> {
        let path = self.prices.display();
        let text = std::fs::read_to_string(&self.prices).map_err(|e| format!("cannot read `{path}`: {e}"))?;
        let table = backtest::parse_csv(&text).map_err(|e| format!("{path}: {e}"))?;
        let p = self.params(&table)?;
        let outcome = backtest::run(&table, &p)?;
        let files = backtest::write_outputs(&self.out, &table, &p, &outcome)?;
        let mut stats = outcome.stats;
        stats["outputs"] = files.iter().map(|f| serde_json::Value::from(f.display().to_string())).collect();
        Ok(if self.json || self.output == Output::Json {
            serde_json::to_string_pretty(&stats).expect("JSON serialises")
        } else {
            backtest::text(&stats)
        })
    }
}

fn main() {
    let result = match Cli::parse().command {
        Command::Demo { program, out, lifecycle, hedged } => {
            let program = program.unwrap_or_else(rpv_sdk::svm::default_program_path);
            if lifecycle {
                demo::run(&program)
            } else {
                market_demo::run(&program, &out, hedged)
            }
        }
        Command::Backtest(args) => args.run().map(|text| println!("{text}")),
        Command::Serve { program, port, out, page, keeper_secs } => {
            let program = program.unwrap_or_else(rpv_sdk::svm::default_program_path);
            serve::run(&program, port, &out, page.as_deref(), keeper_secs)
        }
    };
    if let Err(e) = result {
        eprintln!("rpv-lab: {}", e.lines().next().unwrap_or(&e));
        std::process::exit(2);
    }
}

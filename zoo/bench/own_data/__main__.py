"""`python -m zoo.bench.own_data`: the recipes on corpora they were not written for, zoo beside Keras."""

import argparse
import os

from zoo.bench.own_data.compare import CORPORA, INITS, ROWS, run, summary
from zoo.bench.own_data.corpora import write_corpora


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m zoo.bench.own_data",
        description="Trains each recipe's model and its Keras built-in twin (same data pipeline, tokenizer, "
                    "optimizer, schedule, early stopping, kept epoch and decoding; only the recurrent and attention "
                    "layers differ) on small generated corpora in real layouts (TSV, Flickr8k, TIMIT), each on the "
                    "same budget and seeds, and prints the test scores as mean ± sd over seeds. Rows already in "
                    "OUT/rows.jsonl are not run again.")
    parser.add_argument("--corpora", default="own_data_corpora",
                        help="folder of the corpora; generated there when missing (default: %(default)s)")
    parser.add_argument("--out", default="own_data_results",
                        help="folder for rows.jsonl, results.md and the runs' workdirs (default: %(default)s)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default: 0 1 2)")
    parser.add_argument("--recipes", nargs="+", choices=[c.recipe for c in CORPORA],
                        default=[c.recipe for c in CORPORA], help="recipes to run (default: all)")
    parser.add_argument("--rows", nargs="+", choices=ROWS, default=list(ROWS), help="rows to run (default: all)")
    parser.add_argument("--init", choices=INITS, default="paired",
                        help="paired: the Keras row of a seed starts from the zoo row's initial weights, so the rows "
                             "differ only in their layers; own: it draws its own (default: %(default)s)")
    parser.add_argument("--minutes", type=float, default=None,
                        help="budget of every run in minutes (default: each corpus' own: "
                             + ", ".join(f"{c.recipe} {c.minutes:g}" for c in CORPORA) + ")")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not all(os.path.exists(os.path.join(args.corpora, c.path)) for c in CORPORA):
        for line in write_corpora(args.corpora):
            print(line)
    corpora = [c if args.minutes is None else type(c)(c.recipe, c.path, args.minutes)
               for c in CORPORA if c.recipe in args.recipes]
    measured = run(args.corpora, args.out, args.seeds, corpora, args.rows, args.init)
    table = summary([r for r in measured if r["recipe"] in args.recipes])
    print(table)
    with open(os.path.join(args.out, "results.md"), "w", encoding="utf-8") as file:
        file.write(table + "\n")


if __name__ == "__main__":
    main()

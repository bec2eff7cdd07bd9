"""The translation recipe's library: data, evaluation, export, plots and the verbs that
`python -m zoo.recipes.translation` runs (`zoo.translation.workflow`)."""

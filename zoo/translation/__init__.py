"""The translation recipe's library: data, evaluation, export, plots and the recipe that
`python -m zoo.recipes.translation` runs (`zoo.translation.recipe`)."""

"""The image-captioning recipe's library: data, evaluation, export, plots and the recipe that
`python -m zoo.recipes.captioning` runs (`zoo.captioning.recipe`)."""

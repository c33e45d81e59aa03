"""The bands' palette: the colour of each band key (`ClassificationBand.colour`) and of "no
figure", for the dashboards' map and the portal's (static/css/base.css holds the same values
as `--band-*` for tables and charts; a test keeps the two equal). Here, beside the bands,
because both readers sit above frameworks and neither imports the other."""

PALETTE = {
    "excellent": "#1b7f3b",
    "good": "#4f9d2d",
    "fair": "#d9a400",
    "average": "#e0702b",
    "weak": "#b3261e",
    "none": "#cbd5e1",
}

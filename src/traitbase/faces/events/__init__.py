"""Events face (seed 003, 12traits style): seven pushes, CSV files and the PlayFab webhook."""

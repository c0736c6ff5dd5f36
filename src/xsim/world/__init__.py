"""The world xsim serves: its model, how its metrics grow, its file format, the generator,
and X's downloads of it (the data archive and analytics exports)."""

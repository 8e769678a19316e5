"""HTTP only: parse, call one service, render or serialise."""

"""Web collection face: ``POST /collect`` and ``GET /collect/config`` for the tb.js tracker."""

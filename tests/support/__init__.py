"""What the tests run on: local servers, scripted models, fixtures and browser helpers."""

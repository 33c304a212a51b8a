"""Small fake agent programs for the dispatcher tests, and the tests' shared harness."""

"""Form pieces shared by several areas."""

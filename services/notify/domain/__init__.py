"""Pure rules of notifications: who gets which email, and when a failed send is tried again."""

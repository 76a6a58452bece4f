"""Appeals service: citizen appeals, their legal workflow and deadlines, institution answers, Open311."""

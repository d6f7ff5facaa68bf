// Language server entry (issue 5).
export {};

main;

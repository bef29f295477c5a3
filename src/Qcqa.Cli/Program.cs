using Qcqa.Cli;

return await QcqaApp.RunAsync(args);
